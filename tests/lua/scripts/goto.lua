-- goto and labels: continue-style loops, nested breaks, backward jumps,
-- and the compile errors of bad gotos (through load).
for i = 1, 5 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
local n = 0
::top::
n = n + 1
if n < 5 then goto top end
print("n", n)
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then goto out end
    io.write(i, "*", j, " ")
  end
end
::out::
print()
local fns = {}
do
  local k = 1
  ::again::
  local v = k
  fns[#fns + 1] = function() return v end
  k = k + 1
  if k <= 3 then goto again end
end
print(fns[1](), fns[2](), fns[3]())
print(load("goto nowhere"))
print(load("do ::a:: end ::a:: ::a::"))
print(load("goto f; local x; ::f:: print(x)"))
print(load("do goto f; local x end ::f::") ~= nil)
while true do break end
repeat local z = 1 until z == 1
print("loops done")
