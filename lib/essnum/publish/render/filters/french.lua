--[[ French typography (used by the built-in renderer and by Quarto alike).

Puts a narrow no-break space (U+202F) before ; : ! ? % and », after «, replacing an ordinary
space or inserting one when the sign is glued to the word. No-break spaces already present
(U+00A0, U+202F) are kept. Code, maths, URLs and raw blocks are untouched (they are not Str).
]]

local NNBSP = utf8.char(0x202F)

-- Signs that take a space before them, and the opening guillemet that takes one after.
local function needs_space_before(text)
  return text:match("^[;:!?%%]") ~= nil or text:sub(1, 2) == "»"
end

local function ends_with_open_guillemet(text)
  return text:sub(-2) == "«"
end

local function is_space(c)
  return c == 32 or c == 0xA0 or c == 0x202F or c == 0x2009
end

local function is_word_end(c)
  -- letters and digits (any non-ASCII code point counts as a letter), closing brackets, abbreviation dots
  return c > 127 and not is_space(c) or (c < 128 and utf8.char(c):match("[%w%)%]%.]") ~= nil)
end

local function fix_glued(text)
  if not text:find("[;:!?%%\xC2]") then return text end  -- nothing to space (« » start with byte C2)
  -- "mot;" "mot:" "mot?" "mot!" at the end of a word, "22%", "«mot", "mot»".
  -- ; : ! ? are only spaced at the end of a word, so URLs and times like 14:30 are left alone.
  local cps = {}
  for _, c in utf8.codes(text) do cps[#cps + 1] = c end
  local out, n = {}, #cps
  for i, c in ipairs(cps) do
    local prev = cps[i - 1]
    if prev and not is_space(prev) then
      if c == 0xBB or (c == 37 and utf8.char(prev):match("%d")) then
        out[#out + 1] = 0x202F
      elseif i == n and (c == 59 or c == 58 or c == 33 or c == 63) and is_word_end(prev) then
        out[#out + 1] = 0x202F
      end
    end
    out[#out + 1] = c
    if c == 0xAB and i < n and not is_space(cps[i + 1]) then out[#out + 1] = 0x202F end
  end
  return utf8.char(table.unpack(out))
end

-- One read of each element (reading an element's fields from Lua is what costs here), then plain Lua.
-- fix_glued never changes the first or the last character of a Str, so the spacing of a Space can be
-- decided on the Str texts as read.
function Inlines(inlines)
  local n, types, texts = #inlines, {}, {}
  for i = 1, n do
    local el = inlines[i]
    types[i] = el.t
    if types[i] == "Str" then texts[i] = el.text end
  end
  local changed = false
  for i = 1, n do
    local kind = types[i]
    if kind == "Str" then
      local fixed = fix_glued(texts[i])
      if fixed ~= texts[i] then inlines[i] = pandoc.Str(fixed); changed = true end
    elseif kind == "Space" or kind == "SoftBreak" then
      local before, after = texts[i - 1], texts[i + 1]  -- nil unless a Str
      if (after and needs_space_before(after)) or (before and ends_with_open_guillemet(before)) then
        inlines[i] = pandoc.Str(NNBSP); changed = true
      end
    end
  end
  if changed then return inlines end  -- nil leaves the list as it was, without converting it back
end
