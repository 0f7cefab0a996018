/* flow_ssc in float64: every array and operation (BLAS dgemm, Adam f64). */
#define R double
#define SFX(n) n##_f64
#define GEMM cblas_dgemm
#define DOT cblas_ddot
#define SCAL cblas_dscal
#define AXPY cblas_daxpy
#define ADAM hs_adam_step
#include "flowssc_tmpl.h"
