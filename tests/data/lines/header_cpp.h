// 9 lines, 6 code, 2 comments, 1 blanks
#include <vector>

namespace m {
// C++ by Linguist's heuristics, counted with tokei's C++ rules
template <typename T> class V {
  std::vector<T> v;
};
}
