/*
** Lua's pattern-matching functions with their work charged to the
** sandbox's instruction budget (bounded_patterns.c, vendored from Lua
** 5.4.4). C linkage: the .c file is compiled as C.
**
** Threading: the calling Lua state's.
*/
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

struct lua_State;

/* Sets find, gmatch, gsub and match in the table on top of the stack. */
void sundial_lua_set_bounded_patterns(struct lua_State* L);

/* Charges `steps` instructions to the running activation; raises
** budget_exceeded (a Lua error) once it is spent. Defined in sandbox.cc. */
void sundial_lua_charge(struct lua_State* L, int steps);

#ifdef __cplusplus
}
#endif
