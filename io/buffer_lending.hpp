// A reader's decoding state (decoder, file bytes, band buffer) lent to the frame it opens and given
// back when that frame closes, so frame after frame reuses the same memory. A frame opened while
// another of the same reader is still open gets state of its own, so correctness never depends on
// the order frames are closed in, nor on the thread that closes them.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace nightstack {

template <class State>
class StateLender {
  struct Shelf {
    std::mutex mutex;
    std::unique_ptr<State> spare;
  };

 public:
  // The state for one open frame; returned to the lender's shelf when destroyed (kept only when the
  // shelf is empty, so at most one spare lives per reader).
  class Loan {
   public:
    Loan(std::shared_ptr<Shelf> shelf, std::unique_ptr<State> state)
        : shelf_(std::move(shelf)), state_(std::move(state)) {}
    ~Loan() {
      if (shelf_ == nullptr || state_ == nullptr) return;
      std::lock_guard lock(shelf_->mutex);
      if (shelf_->spare == nullptr) shelf_->spare = std::move(state_);
    }
    Loan(Loan&&) noexcept = default;
    Loan& operator=(Loan&&) = delete;
    State& operator*() const { return *state_; }
    State* operator->() const { return state_.get(); }

   private:
    // Shared, so a frame may outlive the reader that opened it.
    std::shared_ptr<Shelf> shelf_;
    std::unique_ptr<State> state_;
  };

  Loan lend() {
    std::unique_ptr<State> state;
    {
      std::lock_guard lock(shelf_->mutex);
      state = std::move(shelf_->spare);
    }
    if (state == nullptr) state = std::make_unique<State>();
    return Loan(shelf_, std::move(state));
  }

 private:
  std::shared_ptr<Shelf> shelf_ = std::make_shared<Shelf>();
};

}  // namespace nightstack
