// The one Boost.Test entry point shared by every test executable.
#define BOOST_TEST_DYN_LINK
#define BOOST_TEST_MODULE nightstack
#include <boost/test/unit_test.hpp>
