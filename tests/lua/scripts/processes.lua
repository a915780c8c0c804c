-- Processes through /bin/sh: io.popen for reading and writing, the
-- exit status popen:close and os.execute report (exit code, signal),
-- and os.execute() with no command.
print(os.execute())
print(os.execute("exit 0"))
print(os.execute("exit 5"))
print(os.execute("kill -TERM $$"))
local p = assert(io.popen("echo popen-out; echo second line"))
print(p:read("l"), p:read("a"))
print(p:close())
p = assert(io.popen("exit 7"))
print(p:read("a"), p:close())
p = assert(io.popen("read line; echo \"got: $line\" > popen_in.txt", "w"))
p:write("hello child\n")
print(p:close())
print(io.lines("popen_in.txt")())
for l in io.popen("i=0; while [ $i -lt 3 ]; do echo n$i; i=$((i+1)); done"):lines() do io.write(l, ";") end
print()
print(pcall(io.popen, "true", "rw"))
print(os.execute("echo from-execute"))
io.stdout:flush()
print(os.execute("echo to-stderr >&2; exit 2"))
local lines = {}
local pp = io.popen("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done")
for l in pp:lines() do lines[#lines + 1] = l end
print(#lines, lines[1], lines[2000], pp:close())
