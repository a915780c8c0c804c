-- Integer and float arithmetic: division, modulo, floor division,
-- overflow wrap-around, conversions, bitwise operators, math library.
print(7 / 2, 7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 7.5 % 2, -7.5 // 2)
print(1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, math.huge, -math.huge)
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 62, 1 << 63, 1 << 64, -1 >> 1, 2^10, 2^0.5)
print(math.maxinteger + 1 == math.mininteger, math.mininteger - 1, math.maxinteger * 2)
print(math.maxinteger // -1, math.mininteger // -1, math.mininteger % -1)
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(1 // 0.0, -1 // 0.0, 1 % math.huge, -1 % math.huge)
print(3 == 3.0, math.type(3), math.type(3.0), math.type("3"), 1 < 1.5, -0.0 == 0.0)
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63))
print(3.0 | 0, pcall(function() return 3.5 | 0 end))
print("10" + 1, "0x10" * 1, "1e1" // 1, 10 .. "")
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.7), math.ceil(-3.2), math.floor(2^62))
print(math.abs(-4), math.abs(math.mininteger), math.max(1, 5, 3), math.min(2.5, -1), math.fmod(7, 3), math.fmod(-7, 3))
print(pcall(math.fmod, 1, 0))
print(math.fmod(1, 0.0) ~= math.fmod(1, 0.0), math.fmod(-6, 4.0))
print(math.sqrt(16), math.exp(0), math.log(1), math.log(8, 2), math.log(100, 10), math.log(27, 3))
print(string.format("%.10f %.10f %.10f", math.sin(1), math.cos(1), math.tan(1)))
print(string.format("%.10f %.10f %.10f %.10f", math.asin(0.5), math.acos(0.5), math.atan(1), math.atan(1, -1)))
print(math.pi, math.ult(1, -1), math.ult(-1, 1))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(math.huge))
print(0.1 + 0.2, 0.1 + 0.2 == 0.3, 1e15, 1e16, 123456789012345678)
print(2^53 + 1, (2^53 + 1) // 1, 9007199254740993, -2^63 == math.mininteger)
print(5 // 0.0, -5 % 0.0 ~= -5 % 0.0, 3 % -0.0 ~= 3 % -0.0)
print(100000000000000 * 100000, 0x7fffffffffffffff + 0, 0xffffffffffffffff, 0x10p-2)
print(tostring(1e300 * 1e10), tostring(-(0/0)) == tostring(0/0) or "nan-sign-differs")
math.randomseed(42)
local r1 = {math.random(100), math.random(100), math.random()}
math.randomseed(42)
local r2 = {math.random(100), math.random(100), math.random()}
print(r1[1] == r2[1], r1[2] == r2[2], r1[3] == r2[3], r1[3] >= 0 and r1[3] < 1)
for _ = 1, 100 do local v = math.random(3, 5); assert(v >= 3 and v <= 5) end
print(pcall(math.random, 2, 1))
print(math.random(0) ~= nil, math.type(math.random(1, 1)))
local acc = 0
for i = 1, 100000 do acc = acc + i * i % 7 end
print(acc)
for i = 10, 1, -3 do io.write(i, " ") end
for x = 0, 1, 0.25 do io.write(x, " ") end
print()
print(pcall(function() for i = 1, 10, 0 do end end))
for i = math.maxinteger - 2, math.maxinteger do io.write(i, " ") end
print()
