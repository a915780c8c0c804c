-- Tables: constructors, length, insert/remove/move/concat/unpack/sort,
-- next/pairs/ipairs order for sequences, integer and float keys.
local t = {10, 20, 30, x = 1, ["y z"] = 2, [1.0 + 3] = 40}
print(#t, t[4], t.x, t["y z"], t[1.5])
table.insert(t, 50); table.insert(t, 1, 5)
print(#t, table.concat(t, " "))
print(table.remove(t), table.remove(t, 1), #t, table.concat(t, " "))
print(table.unpack({1, 2, 3})); print(table.unpack({1, 2, 3}, 2)); print(table.unpack({1, 2, 3}, 2, 5))
print(select("#", table.unpack({}, 1, 3)))
local m = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
print(table.concat(m, ","))
print(table.concat(table.move({1, 2, 3}, 1, 3, 3, {}), ",", 3, 5))
local p = table.pack(1, nil, 3)
print(p.n, p[1], p[2], p[3])
for i, v in ipairs({"a", "b", nil, "d"}) do io.write(i, v, " ") end
print()
local keys = {}
for k in pairs({a = 1, b = 2, c = 3, d = 4}) do keys[#keys + 1] = k end
table.sort(keys); print(table.concat(keys))
local nums = {5, 2, 8, 1, 9, 3, 7, 3}
table.sort(nums); print(table.concat(nums, " "))
table.sort(nums, function(a, b) return a > b end); print(table.concat(nums, " "))
local words = {"pear", "Apple", "fig", "banana"}
table.sort(words, function(a, b) return a:lower() < b:lower() end); print(table.concat(words, " "))
local big = {}
for i = 1, 1000 do big[i] = (i * 7919) % 1000 end
table.sort(big)
local ok = true
for i = 2, #big do if big[i - 1] > big[i] then ok = false end end
print("sorted", ok, big[1], big[1000], #big)
local f = {}
f[1] = "int"; f[1.0] = "float-same"; f[2^53] = "big"
print(f[1], f[2^53], math.type(next({[3.0] = 1})))
print(pcall(table.insert, {}, 5, 1))
print(pcall(table.concat, {1, {}, 3}))
print(pcall(table.sort, {3, 1, "x"}))
print(rawlen({1, 2}), rawlen("abc"), rawequal(t, t), rawget(t, "x"))
local n = 0
for _ in pairs(_G) do n = n + 1 end
print(n > 20)
local nested = {a = {b = {c = "deep"}}}
print(nested.a.b.c, #"" , next({}))
