-- Closures: upvalues shared between closures, per-iteration loop
-- variables, recursion, varargs, multiple results, tail calls.
local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
print(get(), inc(), get())
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local gs = {}
local j = 0
while j < 3 do j = j + 1; local k = j; gs[j] = function() k = k * 10; return k end end
print(gs[1](), gs[1](), gs[2](), gs[3]())
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local function va(...)
  local a, b = ...
  return select("#", ...), a, b, select(-1, ...)
end
print(va(1, nil, 3))
print(va(nil, nil))
print((va(1, 2)))
local function mr() return 1, 2, 3 end
print(mr(), mr())
print(({mr(), mr()})[4], #{mr(), mr()}, #{mr(), (mr())})
local function tail(n) if n == 0 then return "done" end return tail(n - 1) end
print(tail(100000))
local function sum(...)
  local s = 0
  for _, v in ipairs({...}) do s = s + v end
  return s
end
print(sum(), sum(1, 2, 3, 4.5))
local compose = function(f, g) return function(...) return f(g(...)) end end
print(compose(string.upper, string.reverse)("abc"))
local memo = setmetatable({}, {__mode = "k"})
print(type(memo), debug.getinfo(1, "l").currentline, debug.getinfo(fib, "S").what)
local up = 1
local function getup() return up end
print(debug.getupvalue(getup, 1), debug.setupvalue(getup, 1, 42), getup())
