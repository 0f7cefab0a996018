/*
 * Adaptive refinement of an axis until a rule's flip point is pinned down
 * (sweep key `refine`).
 *
 * A refine block names an `expect` rule with a constant value and a numeric
 * matrix axis.  Along every line of the grid (one combination of the other
 * axes' values, cases included), each bracket of neighbouring axis values
 * whose check differs (held at one end, violated at the other) is split by
 * `points` interior values; the points run with every seed of the sweep, the
 * check is taken on each point's group (the same evaluator as `hsweep
 * report`), and the sub-brackets where it still changes are split again,
 * until they are narrower than `tol` (absolute; relative, b/a - 1, on log
 * scale; adjacent integers on an integer axis) or the bracket's budget of
 * `max_tasks` rows is spent.
 *
 * Rows: each grid bracket (rule, line, pair of neighbouring values) of a
 * line where the rule's `when` selects a task owns a fixed range of
 * max_tasks rows after the grid's, preallocated when the
 * results file is created (column `origin` = -1: not used).  A bracket's
 * rounds fill its range in order, one point (n_seeds rows) after another,
 * and a round is decided only from the finished results of the bracket's
 * own points, so which values land in which rows depends on the sweep file
 * only, never on the rank count or the timing.  A resumed run replays the
 * decisions from the rows the file holds and runs what is missing.
 */
#ifndef HSWEEP_REFINE_H
#define HSWEEP_REFINE_H

#include <stdint.h>

#include "hsweep/error.h"
#include "hsweep/task.h"

struct hs_sweep;
struct hs_sweepset;
struct hs_rule;

/* Seeds a sweep with refine blocks may have (a point's tasks are checked together). */
#define HS_REFINE_MAX_SEEDS 1024

/* One refine block of a sweep. */
typedef struct hs_refine_spec {
    size_t rule; /* index in the sweep's rules */
    int param;   /* schema index of the axis parameter */
    size_t axis; /* index in the sweep's axes */
    int log;     /* scale = "log" */
    int integer; /* the parameter is an integer */
    double tol;
    double min;         /* log scale: the smallest value tried in a bracket starting at <= 0 */
    uint64_t max_tasks; /* rows per grid bracket */
    unsigned points;    /* interior points per bracket and round */
    int line;
    /* derived when the sweep is complete */
    size_t *order; /* axis value indices by increasing value */
    size_t n_vals;
    uint64_t n_lines;  /* combinations of the other axes (and cases) */
    uint64_t n_active; /* lines where the rule's `when` selects a task: they own rows */
    uint64_t *line_of; /* [n_active]: the line of each */
    uint64_t *active;  /* [n_lines]: its index among them, or UINT64_MAX */
    uint64_t row0;     /* first row of this block's brackets (after the grid) */
} hs_refine_spec;

/* Whether bracket [a, b] is narrow enough for sp: b - a <= tol (log scale:
 * b/a - 1 <= tol; a bracket from 0 once b <= min), or adjacent integers. */
int hs_refine_narrow(const hs_refine_spec *sp, double a, double b);

/* The values of the rows refinement has handed out (every rank keeps its own copy). */
typedef struct hs_refine_rows {
    double *x;       /* axis value of each refinement row; NaN: not defined here */
    int32_t *origin; /* refinement round (>= 1) */
} hs_refine_rows;

/*
 * Parse a sweep's `refine = ( { rule; axis; scale; tol; max_tasks; points; min; } )`
 * after its matrix, seeds and rules (path for messages).  Errors name the
 * file, the line and the key.
 */
int hs_refine_parse(const char *path, struct hs_sweep *s, void *setting, uint64_t max_rows,
                    hs_err *e);
void hs_refine_free(struct hs_sweep *s);

/* Parameters of refinement row id (id >= s->n_tasks); the axis value is NaN
 * (and the row blank) when this rank has not been told it. */
void hs_refine_task(const struct hs_sweep *s, uint64_t id, hs_value *v, int64_t *seed,
                    uint64_t *rng_seed);
/* Round of row id: 0 for grid rows, >= 1 for refinement rows, -1 if not defined here. */
int hs_refine_origin(const struct hs_sweep *s, uint64_t id);
/* Tell this rank row id's axis value and round (the coordinator sends them with the task). */
void hs_refine_define(const struct hs_sweep *s, uint64_t id, double x, int round);
/* Words a worker's note of a finished task carries after (ref, wall) for the
 * refinement: its status and one value per refine block of its sweep (0 when
 * the file has no refine block). */
size_t hs_refine_note_words(const struct hs_sweepset *set);
void hs_refine_note(const struct hs_sweep *s, const hs_out *o, int64_t *words);

/* ---- the coordinator's side ---- */
typedef struct hs_refine hs_refine;

/* State for every refine block of set; *out is NULL when there is none.
 * retries: the command line's default for sweeps that set none. */
int hs_refine_create(const struct hs_sweepset *set, int retries, hs_refine **out, hs_err *e);
void hs_refine_destroy(hs_refine **rf);
/*
 * Replay from results file path (resume, before the run opens it): the
 * finished rows are fed in, the decisions remade, and the refinement rows
 * still to run queued.  retry_failed: failed grid rows will run again (not
 * final).  HS_ESTATE if a refinement row holds another value than the
 * replay gives it.
 */
int hs_refine_replay(hs_refine *rf, const char *path, int retry_failed, hs_err *e);
/* A finished attempt of task (si, id) with attempt number `attempt` and the
 * note words of hs_refine_note; may queue new refinement tasks. */
void hs_refine_finished(hs_refine *rf, size_t si, uint64_t id, unsigned attempt,
                        const int64_t *words);
/* Pop up to cap queued refinement task refs (sweep << 40 | id, attempt 1). */
size_t hs_refine_take(hs_refine *rf, uint64_t *refs, size_t cap);
/* Refinement tasks queued and not yet taken, and those added so far. */
uint64_t hs_refine_queued(const hs_refine *rf);
uint64_t hs_refine_added(const hs_refine *rf);
/* Refinement not finished: tasks queued, plus brackets waiting for a round's results. */
uint64_t hs_refine_unfinished(const hs_refine *rf);

#endif
