-- load, loadstring-like chunks, environments, string.dump round trips,
-- dofile/loadfile on files, require of a Lua module found on package.path.
local f = load("return 1 + 2")
print(f())
print(load("syntax error here"))
print(load("return ...", "chunk", "t")(4, 5))
local env = {x = 5}
print(load("return x", "envchunk", "t", env)())
print(load("y = 10", "set", "t", env)(), env.y, y)
local parts = {"return ", "'pie", "ces'"}
local i = 0
print(load(function() i = i + 1; return parts[i] end)())
local dumped = string.dump(function(a) return a * 2 end)
print(type(dumped), dumped:sub(1, 4) == "\27Lua", load(dumped, "bin", "b")(21))
print(load(dumped, "bin", "t"))
print(load("return 1", "txt", "b"))
local stripped = load(string.dump(function() error("x") end, true))
print(pcall(stripped))
local function withupval() return _ENV ~= nil end
print(load(string.dump(withupval))())
local fh = assert(io.open("mod_a.lua", "w"))
fh:write("local M = {}\nfunction M.hello(n) return 'hello ' .. n end\nreturn M\n")
fh:close()
fh = assert(io.open("script_b.lua", "w"))
fh:write("return 'from dofile', ...\n")
fh:close()
print(dofile("script_b.lua"))
print(loadfile("script_b.lua")("arg1"))
print(loadfile("missing.lua"))
print(pcall(dofile, "missing.lua"))
package.path = "./?.lua"
package.cpath = "./?.so"
local m = require("mod_a")
print(m.hello("mod"), require("mod_a") == m, package.loaded.mod_a == m)
print(pcall(require, "no_such_module"))
print(_VERSION, math.type(#arg), arg[0] ~= nil)
local src = "local a = 0\n" .. string.rep("a = a + 1\n", 5000) .. "return a"
print(load(src)())
print(load("return function() return " .. string.rep("(", 150) .. "1" .. string.rep(")", 150) .. " end")()())
