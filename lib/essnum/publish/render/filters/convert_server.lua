--[[ The built-in renderer's conversions in ONE long-lived pandoc process (`pandoc lua convert_server.lua`).

Reads one request per line on stdin (JSON: markdown file, work directory, bibliography, filters, templates,
output files), answers one line on stdout (JSON: `{"ok": true}` or `{"error": "..."}`). Per document it does
what the pandoc command lines did: read the markdown, run the reading filters, citeproc and the typography
filter once, then for each writer (Typst, HTML) its own filters and template. Figures and the stylesheet
are embedded into the HTML page here (what `--embed-resources` did). Every warning pandoc logs (e.g. an
unresolved citation) is an error, as on the command line. A batch of briefs pays pandoc's start, the
loading of its Lua modules and of the templates once, and the AST never goes through JSON.
]]

local MIME = { png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif", svg = "image/svg+xml" }

local templates = {}  -- compiled once per process, keyed by path ("html5" for pandoc's default)

local function read_file(path, mode)
  local handle, err = io.open(path, mode or "r")
  if not handle then error(err, 0) end
  local text = handle:read("a")
  handle:close()
  return text
end

local function write_file(path, text)
  local handle, err = io.open(path, "wb")
  if not handle then error(err, 0) end
  handle:write(text)
  handle:close()
end

local function template(path)
  if not templates[path] then
    templates[path] = path == "html5" and pandoc.template.compile(pandoc.template.default("html5"))
      or pandoc.template.compile(read_file(path), path)
  end
  return templates[path]
end

-- A filter file as the command line runs it: fresh globals (FORMAT set) for every document, so state a
-- filter keeps in upvalues (prepare.lua's numbering) never leaks from one document to the next.
local function run_filters(doc, files, format)
  for _, file in ipairs(files) do
    local env = setmetatable({ FORMAT = format }, { __index = _G })
    local chunk = assert(loadfile(file, "t", env))
    local returned, filters = chunk(), {}
    if type(returned) == "table" then
      filters = returned[1] and returned or { returned }
    else  -- filter functions defined as globals
      local global = {}
      for name, value in pairs(env) do
        if type(value) == "function" or name == "traverse" then global[name] = value end
      end
      filters = { global }
    end
    for _, filter in ipairs(filters) do doc = doc:walk(filter) end
  end
  return doc
end

-- Images of the HTML page as data URIs, read relative to the work directory (as --resource-path did). The
-- writer sees short placeholders (`essnum-embedded-image-N`), replaced in its output: escaping a data URI of
-- hundreds of kilobytes in the writer would cost more than the rest of the page.
local function embed_images(doc)
  local uris = {}
  doc = doc:walk({
    Image = function(img)
      if img.src:match("^data:") or img.src:match("^%a+://") then return nil end
      local mime = MIME[(img.src:match("%.(%w+)$") or ""):lower()]
      if not mime then error("cannot embed " .. img.src .. " in the HTML page: unknown image type", 0) end
      uris[#uris + 1] = pandoc.mediabag.make_data_uri(mime, read_file(img.src, "rb"))
      img.src = "essnum-embedded-image-" .. #uris
      -- as --embed-resources marks an embedded image: its text alternative as the image's accessible name
      img.attributes["role"] = "img"
      img.attributes["aria-label"] = img.attributes["alt"] or pandoc.utils.stringify(img.caption)
      return img
    end,
  })
  return doc, uris
end

local function warnings_since(count)
  local out = {}
  for i = count + 1, #PANDOC_STATE.log do
    local message = pandoc.json.decode(pandoc.json.encode(PANDOC_STATE.log[i]), false)
    if message.verbosity ~= "INFO" then  -- what the command line prints: warnings and errors
      out[#out + 1] = "[" .. message.verbosity .. "] " .. message.pretty
    end
  end
  return out
end

local function convert(request)
  local doc = pandoc.read(read_file(request.markdown), "markdown")
  doc = run_filters(doc, request.before_citeproc, "json")
  if request.bibliography ~= pandoc.json.null then
    doc.meta.bibliography = request.bibliography
    doc = pandoc.utils.citeproc(doc)
  end
  doc = run_filters(doc, request.after_citeproc, "json")

  local typst = run_filters(doc:clone(), request.writer_filters, "typst")
  write_file(request.typst, pandoc.write(typst, "typst-citations",
    { template = template(request.typst_template), wrap_text = "wrap-none" }))

  local html, uris = embed_images(run_filters(doc, request.writer_filters, "html5"))
  local style = '<style type="text/css">\n' .. read_file(request.css) .. "</style>"
  local page = pandoc.write(html, "html5", { template = template("html5"), wrap_text = "wrap-none",
    variables = { ["header-includes"] = style, ["document-css"] = false } })
  write_file(request.html, (page:gsub('src="essnum%-embedded%-image%-(%d+)"', function(n)
    return 'src="' .. uris[tonumber(n)] .. '"'
  end)))
end

for line in io.lines() do
  local request = pandoc.json.decode(line, false)
  local logged = #PANDOC_STATE.log
  local ok, err = pcall(pandoc.system.with_working_directory, request.work_dir, function() convert(request) end)
  local warnings = warnings_since(logged)
  local answer
  if not ok then
    answer = { error = tostring(err) }
  elseif #warnings > 0 then
    answer = { error = "pandoc warned: " .. table.concat(warnings, " | ") }
  else
    answer = { ok = true }
  end
  io.stdout:write(pandoc.json.encode(answer), "\n")
  io.stdout:flush()
end
