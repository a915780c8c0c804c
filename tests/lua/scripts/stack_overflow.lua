-- Lua's own stack overflow, a million stack slots deep (about 30 MiB of
-- Lua stack and call records, grown by doubling): reached as on Linux by
-- a `lua` the shell forks and execs, whose memory comes from the shell's
-- own limit.
local depth = 0
local function recurse() depth = depth + 1; recurse() end
local ok, msg = pcall(recurse)
print(ok, msg:match("stack overflow") ~= nil, depth > 100000)
