--[[ First filter of the built-in renderer (before citeproc): numbers figures and tables in document
order ("Figure 1", "Tableau 1", as Typst numbers them), turns @fig-/@tbl- cross-references into
Typst references or HTML links (so citeproc never sees them), and moves callout titles and table
captions from attributes into content, so that the typography filter and citeproc reach them.
]]

local SUPPLEMENT = { fig = "Figure", tbl = "Tableau" }
local numbers = { fig = {}, tbl = {} }

local function kind_of(id)
  return id and id:match("^(%a+)%-") or nil
end

local function count(doc)
  local seen = { fig = 0, tbl = 0 }
  local function note(id)
    local kind = kind_of(id)
    if kind == "fig" or kind == "tbl" then
      seen[kind] = seen[kind] + 1
      numbers[kind][id] = seen[kind]
    end
  end
  doc:walk({ Figure = function(fig) note(fig.identifier) end, Div = function(div) note(div.identifier) end })
end

local function label(id)
  local kind = kind_of(id)
  local n = numbers[kind] and numbers[kind][id]
  if not n then error("unknown cross-reference @" .. id) end
  return SUPPLEMENT[kind] .. "\u{a0}" .. n
end

local function Cite(cite)
  local kind = kind_of(cite.citations[1].id)
  if kind ~= "fig" and kind ~= "tbl" then return nil end
  local out = pandoc.Inlines({})
  for i, citation in ipairs(cite.citations) do
    if i > 1 then out:insert(pandoc.Str(i == #cite.citations and " et " or ", ")) end
    if FORMAT:match("typst") then
      out:insert(pandoc.RawInline("typst", "@" .. citation.id))
    else
      out:insert(pandoc.Link(label(citation.id), "#" .. citation.id))
    end
  end
  return out
end

local function caption_prefix(id)
  return pandoc.Strong({ pandoc.Str(label(id) .. "\u{a0}:") }), pandoc.Space()
end

local function Figure(fig)
  if FORMAT:match("html") and numbers.fig[fig.identifier] and fig.caption.long[1] then
    local strong, space = caption_prefix(fig.identifier)
    fig.caption.long[1].content:insert(1, space)
    fig.caption.long[1].content:insert(1, strong)
    return fig
  end
end

local function Div(div)
  local title = div.attributes["title"]
  if title and div.classes[1] and div.classes[1]:match("^callout%-") then
    div.attributes["title"] = nil
    div.content:insert(1, pandoc.Div(pandoc.read(title, "markdown").blocks, pandoc.Attr("", { "callout-title" })))
    return div
  end
  local caption = div.attributes["tbl-cap"]
  if kind_of(div.identifier) == "tbl" and caption then
    div.attributes["tbl-cap"] = nil
    local blocks = pandoc.read(caption, "markdown").blocks
    if FORMAT:match("html") and blocks[1] then
      local strong, space = caption_prefix(div.identifier)
      blocks[1].content:insert(1, space)
      blocks[1].content:insert(1, strong)
    end
    div.content:insert(1, pandoc.Div(blocks, pandoc.Attr("", { "table-caption" })))
    return div
  end
end

function Pandoc(doc)
  count(doc)
  return doc:walk({ Cite = Cite, Figure = Figure, Div = Div })
end
