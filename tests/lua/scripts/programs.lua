-- Small whole programs: a word-frequency report over generated text
-- written to and read back from a file, a serializer with sorted keys, a
-- sieve, an LCG-driven sort check with a custom comparator, a string
-- builder, and an expression evaluator built on patterns.
local seed = 12345
local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
local vocab = {"lua", "capos", "kernel", "ring", "cap", "shell", "port", "test", "file", "page"}
local f = assert(io.open("text.txt", "w"))
for line = 1, 500 do
  local words = {}
  for w = 1, rand(12) do words[w] = vocab[rand(#vocab)] end
  f:write(table.concat(words, " "), "\n")
end
f:close()
local freq, total = {}, 0
for line in io.lines("text.txt") do
  for w in line:gmatch("%a+") do freq[w] = (freq[w] or 0) + 1; total = total + 1 end
end
local keys = {}
for k in pairs(freq) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) if freq[a] ~= freq[b] then return freq[a] > freq[b] end return a < b end)
for i, k in ipairs(keys) do print(string.format("%2d %-8s %5d %6.2f%%", i, k, freq[k], 100 * freq[k] / total)) end
local function ser(v, indent)
  indent = indent or ""
  if type(v) == "table" then
    local ks = {}
    for k in pairs(v) do ks[#ks + 1] = k end
    table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
    local out = {"{"}
    for _, k in ipairs(ks) do out[#out + 1] = indent .. "  [" .. string.format("%q", k) .. "] = " .. ser(v[k], indent .. "  ") .. "," end
    out[#out + 1] = indent .. "}"
    return table.concat(out, "\n")
  end
  return string.format("%q", v)
end
print(ser({name = "capOS", version = {0, 1, 0}, ratio = 0.75, flags = {fast = true, big = false}, [10] = "ten"}))
local function sieve(n)
  local is, primes = {}, {}
  for i = 2, n do is[i] = true end
  for i = 2, n do if is[i] then primes[#primes + 1] = i; for j = i * i, n, i do is[j] = false end end end
  return primes
end
local p = sieve(100000)
print(#p, p[#p], p[1000])
local arr = {}
for i = 1, 20000 do arr[i] = {key = rand(1000), id = i} end
table.sort(arr, function(a, b) if a.key ~= b.key then return a.key < b.key end return a.id < b.id end)
local okay = true
for i = 2, #arr do
  local a, b = arr[i - 1], arr[i]
  if a.key > b.key or (a.key == b.key and a.id > b.id) then okay = false end
end
print("stable-by-id sort", okay, arr[1].key, arr[#arr].key)
local buf = {}
for i = 1, 10000 do buf[#buf + 1] = string.format("%04x", i * 7 % 65536) end
local s = table.concat(buf)
print(#s, s:sub(1, 16), s:sub(-8))
local function eval(expr)
  expr = expr:gsub("%s+", "")
  local pos = 1
  local parse_sum
  local function number()
    local num = expr:match("^%d+%.?%d*", pos)
    if num then pos = pos + #num; return tonumber(num) end
    if expr:sub(pos, pos) == "(" then pos = pos + 1; local v = parse_sum(); pos = pos + 1; return v end
    if expr:sub(pos, pos) == "-" then pos = pos + 1; return -number() end
    error("bad expression at " .. pos)
  end
  local function product()
    local v = number()
    while true do
      local op = expr:sub(pos, pos)
      if op == "*" then pos = pos + 1; v = v * number()
      elseif op == "/" then pos = pos + 1; v = v / number()
      elseif op == "%" then pos = pos + 1; v = v % number()
      else return v end
    end
  end
  parse_sum = function()
    local v = product()
    while true do
      local op = expr:sub(pos, pos)
      if op == "+" then pos = pos + 1; v = v + product()
      elseif op == "-" then pos = pos + 1; v = v - product()
      else return v end
    end
  end
  return parse_sum()
end
for _, e in ipairs({"1 + 2 * 3", "(1 + 2) * 3", "10 / 4", "7 % 3 + -2", "2 * (3 + (4 - 1)) / 3", "1.5 * 4"}) do print(e, "=", eval(e)) end
print(pcall(eval, "1 + x"))
