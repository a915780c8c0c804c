-- The os library: time and date with fixed inputs (TZ=UTC on both
-- sides), difftime, clock, getenv, tmpname, tmpfile, remove of a
-- directory entry, setlocale, exit status of os.exit.
--
-- Left out because the C libraries differ, not Lua (capOS's Lua is on
-- musl, the host's on glibc): %Z of a UTC date ("!": glibc says GMT, musl
-- UTC; %Z of local time is tested, UTC on both), years past 9999 (musl's
-- %Y writes "+36812"), and os.setlocale of an unknown name (glibc
-- refuses it, musl accepts any name; musl names "C.UTF-8" for LC_ALL
-- "C.UTF-8;C;C;C;C;C").
print(os.time({year = 2000, month = 1, day = 1, hour = 0}))
print(os.time({year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15}))
print(os.time({year = 2024, month = 13, day = 1, hour = 0}), os.time({year = 2024, month = 3, day = 0}))
print(os.time({year = 1970, month = 1, day = 1, hour = 0}), pcall(os.time, {year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59}))
local t = 1700000000
print(os.date("!%Y-%m-%d %H:%M:%S", t), os.date("%Y-%m-%d %H:%M:%S", t))
print(os.date("!%a %A %b %B %d %e %j %U %W %w %u %y %C %p %I %M", t), os.date("%Z", t))
print(os.date("!%D %F %R %T %h %n%t%% %G %g %V", t))
print(os.date("!%c|%x|%X", t))
print(os.date("!%c", 0), os.date("!%x %X", 86399))
local d = os.date("!*t", t)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
local lt = os.date("*t", t)
print(lt.year, lt.hour, lt.isdst, os.time(lt))
d.day = d.day + 40; d.hour = d.hour + 100
print(os.time(d), os.date("!%F %T", os.time(d)))
print(os.date("!%Y", 2^35), os.date("!%Y", -2^31))
print(pcall(os.date, "%Ez", 0))
print(pcall(os.date, "%Q", 0))
print(pcall(os.time, {year = 2000}))
print(pcall(os.date, "*t", 2^60))
print(os.difftime(t, 1600000000), pcall(os.difftime, 5), math.type(os.difftime(2, 1)))
local now = os.time()
print(math.type(now), now > 1700000000, os.date("!%Y") + 0 >= 2024)
local c0 = os.clock()
local x = 0
for i = 1, 2000000 do x = x + i end
local c1 = os.clock()
print(math.type(c0), c0 >= 0, c1 >= c0)
print(os.getenv("LUA_TEST_VAR"), os.getenv("NO_SUCH_VARIABLE_X"), pcall(os.getenv))
local tmp = os.tmpname()
print(type(tmp), tmp:sub(1, 5) == "/tmp/")
local tf = assert(io.open(tmp, "w")); tf:write("tmpname works\n"); tf:close()
print(io.lines(tmp)(), os.remove(tmp))
local h = assert(io.tmpfile())
h:write("temporary data")
h:seek("set")
print(h:read("a"), io.type(h))
h:close()
print(os.setlocale(), os.setlocale("C"), os.setlocale(nil, "numeric"))
print(os.setlocale("C", "all"), os.setlocale("POSIX", "collate"), pcall(os.setlocale, "C", "nonsense"))
print(os.remove("no_such_file"))
print(os.exit == nil)
io.stdout:write("before exit\n")
os.exit(3)
print("not reached")
