--[[ First filter of the built-in renderer (before citeproc, once per document, for both outputs): numbers
figures and tables in document order ("Figure 1", "Tableau 1", as Typst numbers them), turns @fig-/@tbl-
cross-references into `cross-ref` spans holding their label (so citeproc never sees them), puts the
label at the head of each numbered caption in a `float-number` span, and moves callout titles and table
captions from attributes into content, so that the typography filter and citeproc reach them.
offline.lua, in each writer's pass, makes Typst references or HTML links of them.
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
    out:insert(pandoc.Span(label(citation.id), pandoc.Attr("", { "cross-ref" }, { target = citation.id })))
  end
  return out
end

-- The caption starts with a span holding "Figure 1 :" (bold) and a space.
local function number_caption(blocks, id)
  if not blocks[1] then return end
  local number = { pandoc.Strong({ pandoc.Str(label(id) .. "\u{a0}:") }), pandoc.Space() }
  blocks[1].content:insert(1, pandoc.Span(number, pandoc.Attr("", { "float-number" })))
end

local function Figure(fig)
  if numbers.fig[fig.identifier] then
    number_caption(fig.caption.long, fig.identifier)
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
    number_caption(blocks, div.identifier)
    div.content:insert(1, pandoc.Div(blocks, pandoc.Attr("", { "table-caption" })))
    return div
  end
end

function Pandoc(doc)
  count(doc)
  return doc:walk({ Cite = Cite, Figure = Figure, Div = Div })
end
