--[[ Source lines under figures (built-in renderer and Quarto alike).

A div `::: {.source}` written right after a figure becomes a small source line set by the
template's `source-line` function in Typst, and a `<p class="source">` in HTML.
]]

function Div(div)
  if not div.classes:includes("source") then return nil end
  if FORMAT:match("typst") then
    local inner = pandoc.write(pandoc.Pandoc(div.content), "typst-citations", { wrap_text = "wrap-none" })
    return pandoc.RawBlock("typst", "#source-line[\n" .. inner:gsub("%s+$", "") .. "\n]")
  end
  if FORMAT:match("html") then
    return pandoc.Div(div.content, pandoc.Attr("", {"source"}))
  end
  return div.content
end
