-- utf8: char, charpattern, codes, codepoint, len, offset, lax mode and
-- invalid sequences.
local s = "añ€😀"
print(#s, utf8.len(s), utf8.char(97, 241, 8364, 128512) == s)
for p, c in utf8.codes(s) do io.write(p, ":", c, " ") end
print()
print(utf8.codepoint(s, 1, -1))
print(utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3), utf8.offset(s, 5), utf8.offset(s, 6))
print(utf8.len("\xff"), utf8.len("abc\xe4def"), utf8.len(s, 2), utf8.len(s, -4))
print(pcall(utf8.codepoint, "\xff"))
print(pcall(utf8.len, s, 3))
print(utf8.char(0x7fffffff):len(), utf8.len(utf8.char(0x7fffffff), 1, -1, true))
print(pcall(utf8.char, -1))
local parts = {}
for ch in s:gmatch(utf8.charpattern) do parts[#parts + 1] = ch end
print(#parts, parts[3])
print(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")
print(pcall(function() for _ in utf8.codes("a\xffb") do end end))
print(utf8.char(), utf8.char(72, 0x10FFFF):len(), "\u{7FF}\u{800}\u{FFFF}\u{10000}" == utf8.char(0x7ff, 0x800, 0xffff, 0x10000))
