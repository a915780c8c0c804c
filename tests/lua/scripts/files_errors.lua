-- Files at the edges: directories opened and read, removing directories
-- (empty, not empty, "."), renaming over an existing file, files read
-- while written through another handle, reading stdin at end of file,
-- and the error values (message, errno) io and os return.
--
-- Left out because the C libraries differ: writing to a file opened for
-- reading (and reading one opened for writing) fails in both, but glibc's
-- stdio sets errno to EBADF and musl's leaves it alone (errno 0).
print(io.type(io.open(".")))
local d = io.open(".", "r")
if d then print(d:read("a")); print(d:read("l")); d:close() end
print(io.open(".", "w"))
print(io.open("", "r"))
print(os.remove("."))
local keep = assert(io.open("keep.txt", "w")); keep:close()
local here = io.popen("pwd"):read("l")
local name = here:match("[^/]+$")
print(name, os.remove("../" .. name))
print(os.rename("missing_a", "missing_b"))
local f = assert(io.open("a.txt", "w")); f:write("AAA"); f:close()
f = assert(io.open("b.txt", "w")); f:write("BBB"); f:close()
print(os.rename("a.txt", "b.txt"), io.lines("b.txt")(), io.open("a.txt"))
print(os.rename("b.txt", "no_dir/b.txt"))
local w = assert(io.open("shared.txt", "w"))
local r = assert(io.open("shared.txt", "r"))
w:write("first\n"); w:flush()
print(r:read("l"))
w:write("second\n"); w:flush()
print(r:read("l"), r:read("l"))
w:close(); r:close()
print(io.read("l"), io.read("a"), io.read("n"), io.read(5), io.read(0))
local n = 0
for l in io.lines() do n = n + 1 end
print("stdin lines", n)
print(pcall(io.read, "x"))
f = assert(io.open("shared.txt"))
print(pcall(f.seek, f, "bogus"))
print(f:seek("set", -1))
print(f:seek("end", 1000), f:read("a"), f:read("l"))
f:close()
print(io.type(io.stdin), io.stdin:read("a"), io.stdin:close())
