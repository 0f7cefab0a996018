/* flow_ssc in float32: every array and operation (BLAS sgemm, Adam f32). */
#define R float
#define SFX(n) n##_f32
#define GEMM cblas_sgemm
#define DOT cblas_sdot
#define SCAL cblas_sscal
#define AXPY cblas_saxpy
#define ADAM hs_adam_stepf
#include "flowssc_tmpl.h"
