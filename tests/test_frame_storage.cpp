// Frame storage reuse: a decoding thread gets its recycled pixel storage back for the next frame,
// keeps at most two buffers (the largest), and never sees another thread's.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <thread>

#include "pipeline/frame_storage.hpp"

using namespace nightstack;

namespace {

// Empties this thread's free list, so each case starts from nothing.
void drain() {
  for (int i = 0; i < 4; ++i) {
    ImageF taken = take_frame_pixels(1, 1, 1);
    (void)taken;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_storage)

BOOST_AUTO_TEST_CASE(the_next_frame_reuses_the_recycled_storage_with_its_own_shape) {
  drain();
  ImageF first = take_frame_pixels(40, 30, 3);
  BOOST_TEST(first.samples().size() == 40u * 30 * 3);
  first.at(2, 29, 39) = 7.0f;
  const float* storage = first.samples().data();
  recycle_frame_pixels(first);
  BOOST_TEST(first.empty());

  ImageF second = take_frame_pixels(30, 40, 3);
  BOOST_TEST(second.samples().data() == storage);
  BOOST_TEST(second.width() == 30);
  BOOST_TEST(second.height() == 40);
  BOOST_TEST(second.channels() == 3);
  BOOST_TEST(second.samples().size() == 30u * 40 * 3);
}

BOOST_AUTO_TEST_CASE(the_smallest_buffer_that_fits_is_taken_and_only_the_two_largest_are_kept) {
  drain();
  ImageF small = take_frame_pixels(10, 10, 1), medium = take_frame_pixels(20, 20, 1),
         large = take_frame_pixels(30, 30, 1);
  const float* medium_storage = medium.samples().data();
  const float* large_storage = large.samples().data();
  recycle_frame_pixels(large);
  recycle_frame_pixels(small);
  recycle_frame_pixels(medium);  // three kept would be one too many: the small one goes

  ImageF fits_medium = take_frame_pixels(15, 15, 1);
  BOOST_TEST(fits_medium.samples().data() == medium_storage);
  ImageF fits_large = take_frame_pixels(5, 5, 1);
  BOOST_TEST(fits_large.samples().data() == large_storage);
}

BOOST_AUTO_TEST_CASE(storage_recycled_on_one_thread_is_not_handed_to_another) {
  drain();
  ImageF frame = take_frame_pixels(64, 64, 1);
  const float* storage = frame.samples().data();
  recycle_frame_pixels(frame);
  const float* other_thread_storage = nullptr;
  std::thread other([&] {
    ImageF taken = take_frame_pixels(64, 64, 1);
    other_thread_storage = taken.samples().data();
  });
  other.join();
  BOOST_TEST(other_thread_storage != storage);
  BOOST_TEST(take_frame_pixels(64, 64, 1).samples().data() == storage);
}

BOOST_AUTO_TEST_SUITE_END()
