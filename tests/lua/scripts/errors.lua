-- Errors: error with levels and non-string values, pcall/xpcall with
-- handlers and tracebacks, assert, runtime error messages naming
-- variables, error objects with __tostring, and an uncaught error at the
-- end (message and traceback on stderr, exit status 1).
print(pcall(error, "msg"))
print(pcall(error, "msg", 0))
print(pcall(error))
print(pcall(error, nil))
print(select("#", pcall(error, {1, 2})), type(select(2, pcall(error, {1, 2}))))
local function lvl1() error("at level 1") end
local function lvl2() error("at level 2", 2) end
local function caller() lvl2() end
print(pcall(lvl1))
print(pcall(caller))
print(select("#", pcall(error)))
print(xpcall(function() error("E") end, function(m) return "handled: " .. m end))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
local tb
xpcall(function() local x = nil; return x.field end, function(m) tb = debug.traceback(m, 1) end)
print((tb:gsub("\n.*", "")))
print(pcall(function() local t = {} ; return t.a.b end))
print(pcall(function() return undefinedglobal.x end))
print(pcall(function() local s = "x" ; return s + 1 end))
print(pcall(function() return {} .. "x" end))
print(pcall(function() return #nil end))
print(pcall(function() return nil < 1 end))
print(pcall(function() return {} < {} end))
print(pcall(function() undefinedfunc() end))
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) error("no field " .. k) end}); return t.zz end))
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
print(pcall(assert, 1 == 1, "unused"))
print(select("#", assert(1, 2, 3)))
local E = setmetatable({}, {__tostring = function() return "E-object" end})
local ok, e = pcall(error, E)
print(ok, e == E, tostring(e))
print(pcall(pcall))
print(pcall(string.rep, "x", 1e10))
-- The C stack's limit (LUAI_MAXCCALLS), through metamethods and string.gsub
-- callbacks; the Lua stack's (a million slots, tens of MiB) is in
-- stack_overflow.lua.
local cdepth = 0
local deep = setmetatable({}, {__index = function(t, k) cdepth = cdepth + 1; return t[k] end})
local ok2, msg = pcall(function() return deep.x end)
print(ok2, msg:match("stack overflow") ~= nil, cdepth > 100)
local function viagsub(s) return (s:gsub(".", viagsub)) end
print(pcall(viagsub, "x"))
local ok3, msg3 = pcall(function() local s = string.rep("x", 100) .. nil end)
print(ok3, msg3)
print(tostring(nil), tostring(false), type(print), type(nil), type(2), type("x"), type({}), type(coroutine.create(print)))
io.stderr:write("to stderr\n")
local t = nil
print(t.missing)
print("not reached")
