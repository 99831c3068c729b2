-- wrk script for an exact piece of work: every URL in the list is asked for once, in
-- order, over all of one thread's connections (run wrk with -t1). When the last answer
-- arrives it writes "<epoch seconds> <answers> <failures>" to the done file, and the
-- caller stops wrk; connections left without work idle instead of repeating a URL.
-- IDLE-PATH is a cheap path that answers 200 with no image, for a connection that finds
-- the list used up between asking for a delay and writing its request.
--   wrk -t1 -c8 -d600s -s bench/fixed.lua http://host:port -- urls.txt done-file idle-path
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  done_file = args[2]
  idle_path = args[3]
  sent, answered, failed = 0, 0, 0
end

function delay()
  if sent >= #paths then return 3600000 end
  return 0
end

function request()
  -- wrk calls request() once before any connection opens, to check what it returns
  -- (script_verify_request); that call must not use up a URL.
  if not verified then
    verified = true
    return wrk.format("GET", paths[1])
  end
  if sent >= #paths then return wrk.format("GET", idle_path) end
  sent = sent + 1
  return wrk.format("GET", paths[sent])
end

local function is_image(headers)
  for name, value in pairs(headers) do
    if string.lower(name) == "content-type" then return string.sub(value, 1, 6) == "image/" end
  end
  return false
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif not is_image(headers) then
    return
  end
  answered = answered + 1
  if answered == #paths then
    local clock = io.popen("date +%s.%N")
    local now = clock:read("*l")
    clock:close()
    local file = io.open(done_file, "w")
    file:write(string.format("%s %d %d\n", now, answered, failed))
    file:close()
  end
end
