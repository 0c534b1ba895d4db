// 8 lines, 5 code, 2 comments, 1 blanks
#include <cuda_runtime.h>

__global__ void add(float *a, float *b) {
    /* one thread per element */
    int i = threadIdx.x;
    a[i] += b[i];
}
