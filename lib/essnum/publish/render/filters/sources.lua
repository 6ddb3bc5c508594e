--[[ Source lines under figures (built-in renderer and Quarto alike).

A div `::: {.source}` written right after a figure becomes a small source line set by the
template's `source-line` function in Typst, and a `<p class="source">` in HTML. The content stays
pandoc content between two raw Typst fragments, so citations in it are resolved by citeproc
whether this filter runs before or after it (Quarto and the built-in path order filters differently).
]]

function Div(div)
  if not div.classes:includes("source") then return nil end
  if FORMAT:match("typst") then
    local blocks = pandoc.Blocks({ pandoc.RawBlock("typst", "#source-line[") })
    blocks:extend(div.content)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
  if FORMAT:match("html") then
    return pandoc.Div(div.content, pandoc.Attr("", { "source" }))
  end
  return div.content
end
