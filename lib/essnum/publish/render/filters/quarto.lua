--[[ Quarto only (the `brief-typst` format and the project's `html` format): what Quarto does differently
from the built-in renderer, put back to what the built-in path prints. Runs at Quarto's `post-render`
entry point, followed by french.lua (see briefs/_extensions/brief/_extension.yml and _quarto.yml).

1. Dates. Quarto reads every front-matter `date` as a date and reformats it with `date-format`: free text
   such as "Juillet 2025" comes out as "1 janvier 2025". The built-in path prints free text as written
   and formats only ISO dates (YYYY-MM-DD, "1 juillet 2025", as Quarto does). The date as written is read
   back from the source's front matter.
2. Citations. Quarto runs citeproc after every filter, so french.lua never sees the text citeproc writes
   ("2024; associations.gouv.fr"); the built-in path types it ("2024 ; …"). Citations are resolved here
   instead (the same CSL-JSON bibliography and default style), each citation kept as a span of class
   `citation` as pandoc writes it, and the bibliography taken out of the metadata so that Quarto's own
   citeproc pass, which comes next, has nothing left to do; french.lua, after this filter, types the result.
3. Scripts from a CDN. For HTML, Quarto adds require.js and jQuery from cdn.jsdelivr.net to the page header
   as soon as an embedded notebook holds any `text/html` output anywhere (the research notebooks display
   DataFrames); no brief output uses them, and fetching them breaks the self-contained, offline page. Those
   script lines are removed from the header includes.
]]

local ISO_DATE = "^%d%d%d%d%-%d%d%-%d%d$"

local function front_matter_date()
  local path = quarto and quarto.doc and quarto.doc.input_file
  if not path then return nil end
  local handle = io.open(path, "r")
  if not handle then return nil end
  local text = handle:read("a")
  handle:close()
  local yaml = text:match("^%-%-%-\r?\n(.-\r?\n)%-%-%-") or text:match("^%-%-%-\r?\n(.-\r?\n)%.%.%.")
  if not yaml then return nil end
  local meta = pandoc.read("---\n" .. yaml .. "---\n", "markdown").meta
  return meta.date
end

local function restore_date(meta)
  local written = front_matter_date()
  if written == nil then return end
  local text = pandoc.utils.stringify(written)
  if text:match(ISO_DATE) then return end  -- Quarto formatted it with date-format, as the built-in path does
  meta.date = written
end

local CDN_SCRIPT = { "<script src=\"https://cdn%.jsdelivr%.net/npm/requirejs@", "<script src=\"https://cdn%.jsdelivr%.net/npm/jquery@",
                     "define%('jquery', %[%]" }

local function without_cdn_scripts(text)
  local kept, dropped = {}, false
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    local remote = false
    for _, pattern in ipairs(CDN_SCRIPT) do
      if line:find(pattern) then remote = true end
    end
    if remote then dropped = true else kept[#kept + 1] = line end
  end
  return dropped and table.concat(kept, "\n") or nil
end

local function drop_cdn_scripts(meta)
  local includes = meta["header-includes"]
  if includes == nil or pandoc.utils.type(includes) ~= "List" then return end
  for _, item in ipairs(includes) do
    local blocks = pandoc.utils.type(item) == "Blocks" and item or { item }
    for i, block in ipairs(blocks) do
      if block.t == "RawBlock" then
        local text = without_cdn_scripts(block.text)
        if text then blocks[i] = pandoc.RawBlock(block.format, text) end
      end
    end
  end
end

local function unwrap_citations(doc)
  return doc:walk({
    Cite = function(cite)
      local ids = {}
      for _, citation in ipairs(cite.citations) do ids[#ids + 1] = citation.id end
      return pandoc.Span(cite.content, pandoc.Attr("", { "citation" }, { ["data-cites"] = table.concat(ids, " ") }))
    end,
  })
end

function Pandoc(doc)
  restore_date(doc.meta)
  if FORMAT:match("html") then drop_cdn_scripts(doc.meta) end
  if doc.meta.bibliography ~= nil then
    doc = unwrap_citations(pandoc.utils.citeproc(doc))
    doc.meta.bibliography = nil
  end
  return doc
end
