-- A known gap, run only by name (tests/lua/run.sh stack_overflow): Lua's
-- own stack overflow, a million stack slots deep (about 30 MiB of Lua
-- stack and call records). capOS's Lua reaches it when started directly
-- (`./capos run -- lua`), but not as a shell's child: a forked process's
-- memory limit is what its parent uses plus at most 64 MiB
-- (kernel/src/fork.rs), kept across exec, and growing the stack past
-- that fails with "not enough memory" where Linux's Lua reports
-- "stack overflow".
local depth = 0
local function recurse() depth = depth + 1; recurse() end
local ok, msg = pcall(recurse)
print(ok, msg:match("stack overflow") ~= nil, depth > 100000)
