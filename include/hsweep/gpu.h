/*
 * GPUs for the programs a worker starts.  Slurm gives a job's GPUs to every
 * process on a node (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS, SLURM_JOB_GPUS);
 * without more, every exec task on the node would use the first of them.
 * hs_gpu_bind shares them out among the node's workers, so that each
 * worker's tasks see their own.
 */
#ifndef HSWEEP_GPU_H
#define HSWEEP_GPU_H

#include <mpi.h>
#include <stddef.h>

#include "hsweep/error.h"

/*
 * The share of the comma-separated GPU list of worker `index` (0-based) of
 * `count` workers that see the same list: with n GPUs and count >= n, GPU
 * index mod n (one each, shared round-robin when there are more workers);
 * with count < n, the consecutive block [index*n/count, (index+1)*n/count)
 * (a worker alone gets the whole list).  Written to out as a comma list.
 * HS_EINPUT if the list has an empty entry or out is too small.
 */
int hs_gpu_pick(const char *list, int index, int count, char *out, size_t cap, hs_err *e);

/*
 * Collective over comm (all ranks, once, before tasks run).  Each rank that
 * runs tasks (every rank but 0 when comm has several; rank 0 coordinates)
 * and sees GPUs -- CUDA_VISIBLE_DEVICES, else SLURM_STEP_GPUS, else
 * SLURM_JOB_GPUS -- sets CUDA_VISIBLE_DEVICES to its share (hs_gpu_pick) of
 * the list among the workers on its node (MPI_COMM_TYPE_SHARED) that see
 * the same list, ordered by rank; what it starts inherits it.  Workers that
 * see different lists (srun --gpus-per-task: Slurm already bound them) keep
 * their own.  HSWEEP_GPU_BIND=none leaves the environment alone; any value
 * but auto or none is HS_EINPUT.
 */
int hs_gpu_bind(MPI_Comm comm, hs_err *e);

#endif
