-- Metatables: arithmetic, comparison, concat, len, index/newindex chains,
-- call, tostring, close, and __gc at collection and at exit.
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, k) return vec(a.x * k, a.y * k) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__len = function(a) return 2 end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
V.__concat = function(a, b) return tostring(a) .. tostring(b) end
V.__call = function(self, k) return self[k] end
V.__idiv = function(a, b) return "idiv" end
V.__mod = function(a, b) return "mod" end
V.__band = function(a, b) return "band" end
V.__shl = function(a, b) return "shl" end
V.__bnot = function(a) return "bnot" end
function V:norm1() return math.abs(self.x) + math.abs(self.y) end
local a, b = vec(1, 2), vec(3, 4)
print(tostring(a + b), tostring(a - b), tostring(a * 3), tostring(-a))
print(a == vec(1, 2), a ~= b, a < b, a <= b, a > b, #a, a .. b, a("y"), a:norm1())
print(a // b, a % b, a & b, a << 1, ~a)
local log = {}
local proxy = setmetatable({}, {
  __index = function(t, k) log[#log + 1] = "get " .. k; return k .. "!" end,
  __newindex = function(t, k, v) log[#log + 1] = "set " .. k; rawset(t, k, v) end,
})
print(proxy.foo); proxy.bar = 1; print(proxy.bar); proxy.bar = 2
print(table.concat(log, ","))
local base = {greet = function() return "hi" end}
local mid = setmetatable({}, {__index = base})
local top = setmetatable({}, {__index = mid})
print(top.greet(), top.missing)
local ro = setmetatable({}, {__newindex = function() error("read-only table", 2) end})
print(pcall(function() ro.x = 1 end))
print(getmetatable("abc").__index == string, ("x"):rep(2))
local locked = setmetatable({}, {__metatable = "locked"})
print(getmetatable(locked), pcall(setmetatable, locked, {}))
do
  local order = {}
  do
    local x <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "x" .. tostring(e) end})
    local y <close> = setmetatable({}, {__close = function() order[#order + 1] = "y" end})
  end
  print(table.concat(order, " "))
  print(pcall(function()
    local z <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "z:" .. tostring(e) end})
    error("boom", 0)
  end), order[#order])
end
local collected = {}
do
  local g = setmetatable({}, {__gc = function() collected[#collected + 1] = "gc" end})
  g = nil
end
collectgarbage(); collectgarbage()
print(#collected, collected[1])
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1
collectgarbage()
print(next(weak))
setmetatable({}, {__gc = function() print("finalizer at exit") end})
print("end of script")
