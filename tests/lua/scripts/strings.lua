-- Strings: the string library's basic functions, escapes, coercions.
local s = "Hello, capOS world"
print(#s, s:upper(), s:lower(), s:len())
print(s:sub(1, 5), s:sub(-5), s:sub(8, -7), s:sub(100), s:sub(0))
print(s:rep(2, "|"), ("ab"):rep(0), ("x"):rep(3))
print(s:reverse(), s:byte(1), s:byte(-1), s:byte(1, 3))
print(string.char(72, 105, 0, 33):len(), string.char(97, 98, 99))
print(("\65\066\x43\u{44}\z
        E"), "tab\tend", "nl\\n", 'q"uote', "a\0b" == "a\0b")
print(10 .. 20, "10" + 5, "3" * "4", "0x10" + 0, 2^53 .. "")
print(tostring(12), tostring(1.5), tostring(-0.0), tostring(1e100), tostring(2^63))
print(tonumber("  12  "), tonumber("1e2"), tonumber("0x1p4"), tonumber("z", 36), tonumber("ff", 16), tonumber("8", 8), tonumber(""), tonumber("1 2"))
print(math.type(tonumber("10")), math.type(tonumber("10.0")), tonumber("9223372036854775808"))
print(("abc"):find("b"), ("abc"):find("x"), ("a.b"):find(".", 1, true), ("aaa"):find("a", -1))
print(string.len(""), ("x"):byte(10), select("#", ("x"):byte(10)))
print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "a\0b" < "a\0c")
local t = {}
for w in ("one two  three"):gmatch("%S+") do t[#t + 1] = w end
print(table.concat(t, ","), #t)
print(("%d items"):format(3), ("x"):rep(3, ","))
print(pcall(string.rep))
print(pcall(string.sub))
print(select(2, pcall(string.char, 256)))
print(string.format("%q", "line1\nline2\0\"end\"\r\t"))
print(string.format("%q", 1/3), string.format("%q", 42), string.format("%q", math.mininteger))
