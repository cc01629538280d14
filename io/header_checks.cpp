// One wording and one overflow-safe comparison for the header-size check of every reader.
#include "io/header_checks.hpp"

#include "pipeline/errors.hpp"

namespace nightstack {

void check_header_claim(const std::filesystem::path& path, const std::string& claim,
                        std::uint64_t claimed_units, std::uint64_t most_units_per_byte,
                        std::uint64_t stored_bytes, const std::string& store) {
  // Compared as the bytes the claim needs at least, so no product can overflow.
  const std::uint64_t per_byte = most_units_per_byte == 0 ? 1 : most_units_per_byte;
  const std::uint64_t needed_bytes = claimed_units / per_byte + (claimed_units % per_byte != 0 ? 1 : 0);
  if (needed_bytes <= stored_bytes) return;
  const std::string holder = store.empty() ? "a file of " + std::to_string(stored_bytes) + " bytes" : store;
  throw InputError(path, claim + ", more than " + holder + " can hold; the file is truncated or corrupt");
}

}  // namespace nightstack
