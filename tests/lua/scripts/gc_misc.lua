-- The collector and the rest of the base library: collectgarbage's
-- options, generational and incremental modes, finalizer order, weak
-- values, warn, select, next, large strings and tables (memory use).
print(math.type(collectgarbage("count")), collectgarbage("count") > 0, collectgarbage("isrunning"))
print(collectgarbage("incremental"), collectgarbage("generational"), collectgarbage("incremental"))
collectgarbage("stop"); print(collectgarbage("isrunning")); collectgarbage("restart"); print(collectgarbage("isrunning"))
print(collectgarbage("step"), collectgarbage() == 0, pcall(collectgarbage, "bogus"))
local order = {}
for i = 1, 3 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
collectgarbage()
print(table.concat(order, " "))
local wv = setmetatable({}, {__mode = "v"})
wv[1] = {}; wv[2] = "strings stay"; local keep = {}; wv[3] = keep
collectgarbage()
print(wv[1], wv[2], wv[3] == keep)
local resurrect
setmetatable({name = "zombie"}, {__gc = function(o) resurrect = o end})
collectgarbage()
print(resurrect and resurrect.name)
warn("@on")
warn("first ", "warning")
warn("@off")
warn("not shown")
print(select("#"), select("#", nil, nil), select(2, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, 1))
local parts = {}
for i = 1, 200000 do parts[i] = tostring(i % 10) end
local big = table.concat(parts)
print(#big, big:sub(1, 12), big:sub(-5))
local t = {}
for i = 1, 300000 do t[i] = i * 2 end
print(#t, t[#t])
for i = 1, 300000 do t[i] = nil end
print(next(t))
local s = string.rep("abc", 1000000)
print(#s, s:find("cab", 2999990, true), select(2, s:gsub("abc", "")))
local h = {}
for i = 1, 50000 do h["key" .. i] = i end
local n = 0
for _ in pairs(h) do n = n + 1 end
print(n, h.key777)
print(tostring(print):match("^builtin: ") or tostring(print):match("^function: ") and "function:")
print(rawequal("a", "a"), rawequal({}, {}), #arg, ...)
