-- Coroutines: resume/yield values, status, wrap, errors inside, yields
-- across pcall and metamethods, close, generators.
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end return "end" end)
print(gen(), gen(), gen(), gen())
print(pcall(gen))
local bad = coroutine.create(function() error("inside") end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
local bad2 = coroutine.create(function() error({code = 7}) end)
local ok, err = coroutine.resume(bad2)
print(ok, type(err), err.code)
local p = coroutine.wrap(function()
  local ok, v = pcall(function() local x = coroutine.yield("from pcall"); error("after " .. x, 0) end)
  coroutine.yield(tostring(ok) .. " " .. v)
  return "fin"
end)
print(p(), p("yield"), p())
print(coroutine.isyieldable(), select(2, coroutine.running()))
local inner = coroutine.wrap(function() print(coroutine.isyieldable(), select(2, coroutine.running())) end)
inner()
local mt = {__index = function(t, k) return coroutine.yield(k) end}
local viamt = coroutine.wrap(function() local t = setmetatable({}, mt); return "value " .. t.foo end)
print(viamt(), viamt("bar"))
local cl = coroutine.create(function()
  local r <close> = setmetatable({}, {__close = function() print("closed on close") end})
  coroutine.yield()
end)
coroutine.resume(cl)
print(coroutine.close(cl), coroutine.status(cl))
local function perm(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]; perm(a, n - 1); a[n], a[i] = a[i], a[n]
    end
  end
end
local count = 0
for pm in coroutine.wrap(function() perm({1, 2, 3, 4}) end) do count = count + 1; if count <= 3 then print(table.concat(pm)) end end
print("permutations", count)
local deep = coroutine.wrap(function()
  local function d(n) if n == 0 then coroutine.yield("bottom") else return d(n - 1) end end
  d(5000)
end)
print(deep())
print(select("#", coroutine.resume(coroutine.create(function() return end))))
print(pcall(coroutine.resume, "x"))
print(coroutine.resume(coroutine.running()))
