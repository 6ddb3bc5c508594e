--[[ Last filter of the built-in renderer: what Quarto does itself — figures with their alt text,
numbered table floats, callout boxes and cross-references — for Typst and HTML. Runs in each writer's
pass, on the document read once through prepare.lua (numbering, cross-references, titles moved into
content), citeproc and the typography filter.
]]

local CALLOUT_TITLES = {
  note = "Note", tip = "Proposition", important = "Recommandation", warning = "Attention", caution = "Prudence",
}

local function typst(blocks)
  return pandoc.write(pandoc.Pandoc(blocks), "typst-citations", { wrap_text = "wrap-none" }):gsub("%s+$", "")
end

local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

-- Take out the first div of class `name` from `blocks`; return its content and the other blocks.
local function take(blocks, name)
  local taken, rest = nil, pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    if not taken and block.t == "Div" and block.classes:includes(name) then
      taken = block.content
    else
      rest:insert(block)
    end
  end
  return taken, rest
end

local function plain(blocks)
  local inlines = pandoc.Inlines({})
  for _, block in ipairs(blocks or {}) do
    if block.content then inlines:extend(block.content) end
  end
  return inlines
end

-- prepare.lua's spans: a cross-reference becomes a Typst reference (Typst numbers it) or a link; a
-- caption's number stays in HTML and goes in Typst, which numbers captions itself. Spans are handled
-- before figures and divs (pandoc applies inline functions to the whole document first).
local function Span(span)
  if span.classes:includes("cross-ref") then
    local target = span.attributes["target"]
    return FORMAT:match("typst") and pandoc.RawInline("typst", "@" .. target) or pandoc.Link(span.content, "#" .. target)
  end
  if span.classes:includes("float-number") then
    return FORMAT:match("typst") and {} or span.content
  end
end

local function Figure(fig)
  local image
  fig:walk({ Image = function(img) image = image or img end })
  if not image then return nil end
  local alt = image.attributes["fig-alt"] or pandoc.utils.stringify(fig.caption.long)
  if FORMAT:match("typst") then
    local label = fig.identifier ~= "" and ("<" .. fig.identifier .. ">") or ""
    return pandoc.RawBlock("typst", string.format(
      "#figure(image(%s, alt: %s, width: 100%%), caption: [%s], kind: image)%s",
      typst_string(image.src), typst_string(alt), typst({ pandoc.Plain(plain(fig.caption.long)) }), label))
  end
  image.attributes["fig-alt"] = nil
  image.attributes["alt"] = alt
  return fig:walk({ Image = function() return image end })
end

local function table_float(div)
  local caption, rest = take(div.content, "table-caption")
  local found
  local content = rest:walk({
    Table = function(tbl)
      if found then return nil end
      found = true
      tbl.caption = pandoc.Caption({ pandoc.Plain(plain(caption)) })
      tbl.identifier = div.identifier
      return tbl
    end,
  })
  if not found then error("table float " .. div.identifier .. " holds no table") end
  return content
end

local function callout(div, kind)
  local title, body = take(div.content, "callout-title")
  local title_inlines = title and plain(title) or pandoc.Inlines({ pandoc.Str(CALLOUT_TITLES[kind] or "Note") })
  if body[1] and body[1].t == "Header" and not title then
    title_inlines = body[1].content
    body:remove(1)
  end
  if FORMAT:match("typst") then
    return pandoc.RawBlock("typst", string.format("#callout(kind: %s, title: [%s], body: [\n%s\n])",
      typst_string(kind), typst({ pandoc.Plain(title_inlines) }), typst(body)))
  end
  local content = pandoc.Blocks({ pandoc.Div(pandoc.Plain(title_inlines), pandoc.Attr("", { "callout-title" })) })
  content:extend(body)
  return pandoc.Div(content, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }))
end

local function Div(div)
  if div.identifier:match("^tbl%-") then return table_float(div) end
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and CALLOUT_TITLES[kind] then return callout(div, kind) end
  end
end

return { { Span = Span, Figure = Figure, Div = Div } }
