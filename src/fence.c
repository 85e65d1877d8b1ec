/*-------------------------------------------------------------------------
 *
 * fence.c
 *		No user code while schemashift analyses a statement: inside
 *		ss_without_user_code(), a call of a function someone created
 *		raises an error instead of running.
 *
 * Parsing alone can run code: the server calls a type's input function
 * for a literal, and record_in and domain_in then evaluate the CHECK of a
 * domain, which may call any function of the domain's owner.  lint() and
 * the guard parse the script's CHECK expressions to judge them, as the
 * caller; the owner's code must not run with the caller's rights.  fmgr's
 * security hooks (sepgsql's) see every call of a function that is not
 * built in: while the fence is up such a call is refused, and the analysis
 * (run in ss_try()) treats the expression as one it cannot judge.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "fmgr.h"

#include "fence.h"

static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
static int	fence_depth = 0;

static bool
user_function(Oid fn_oid)
{
	return fn_oid >= FirstNormalObjectId;
}

static bool
fence_needs_hook(Oid fn_oid)
{
	if (fence_depth > 0 && user_function(fn_oid))
		return true;
	return prev_needs_fmgr_hook ? prev_needs_fmgr_hook(fn_oid) : false;
}

static void
fence_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	/* checked at the call: a lookup made inside may be used after */
	if (event == FHET_START && fence_depth > 0 && user_function(flinfo->fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("schemashift runs no user-defined function while it analyses a statement"),
				 errdetail("Function %u was called.", flinfo->fn_oid)));
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

void
ss_fence_init(void)
{
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = fence_needs_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = fence_hook;
}

void
ss_without_user_code(SSStepFn fn, void *arg)
{
	fence_depth++;
	PG_TRY();
	{
		fn(arg);
	}
	PG_FINALLY();
	{
		fence_depth--;
	}
	PG_END_TRY();
}
