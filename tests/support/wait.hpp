// Test support: waiting for an event another process or thread brings about.
#pragma once

#include <chrono>
#include <thread>

namespace migc::test {

/**
 * Returns once `happened()` is true, asking again every 10 ms. There is no
 * time limit on purpose: a test never asserts how fast something happens
 * (ctest's timeout ends a test that waits for ever), and never sleeps a
 * fixed time to let another process get somewhere: it waits for the event.
 */
template <typename Predicate>
void wait_until(Predicate&& happened) {
  while (!happened()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace migc::test
