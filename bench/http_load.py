"""The load generator: wrk with a Lua script that sends each request to the next order of a list,
so that no two cancellation requests hit the same order, and counts the answers by status."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Each wrk thread takes every n-th id of the file; when its share runs out it starts again
# (`laps` counts that: for the cancellation endpoint it means the run needed more orders).
# Statuses are counted per thread and summed in done(), which prints one JSON line; so is the
# number of requests sent but not answered when the run ended (at most one per connection, plus
# the one request() that wrk calls to check the script).
# The id of each order answered 201 is taken from the body and written to a file for checking;
# so is the first body of each other status (per thread), to say what went wrong. With a Prefer
# header (the minimal answer of issue 16), `applied` counts the answers that said
# `Preference-Applied: return=minimal`.
LUA = r"""
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local ids, position = {}, 1
local method, path, headers, body, keyed
statuses, laps, sent, answered, created, refusals, applied = {}, 0, 0, 0, {}, {}, 0

function init(args)
  method, path = args[1], args[2]
  local ids_file, token, share = args[3], args[4], tonumber(args[5])
  body = args[6] ~= "" and args[6] or nil
  keyed = args[7] == "1"
  local index = 0
  for line in io.lines(ids_file) do
    if index % share == thread_index then table.insert(ids, line) end
    index = index + 1
  end
  headers = {["Authorization"] = "Bearer " .. token}
  if body then headers["Content-Type"] = "application/json" end
  if args[8] and args[8] ~= "" then headers["Prefer"] = args[8] end
end

function request()
  local id = ids[position]
  position = position + 1
  if position > #ids then
    position = 1
    laps = laps + 1
  end
  sent = sent + 1
  local sending = headers
  if keyed then
    sending = {}
    for name, value in pairs(headers) do sending[name] = value end
    sending["Idempotency-Key"] = "bench-" .. thread_index .. "-" .. sent .. "-" .. id
  end
  return wrk.format(method, (string.gsub(path, "{id}", id)), sending, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  local said = headers["Preference-Applied"] or headers["preference-applied"]
  if said == "return=minimal" then applied = applied + 1 end
  if status == 201 then
    table.insert(created, body:match('^{"id":%s*(%d+)') or "?")
  elseif status >= 300 and not refusals[status] then
    refusals[status] = body:sub(1, 400):gsub("%s+", " ")
  end
end

function done(summary, latency, requests)
  local created_path = os.getenv("RESCIND_WRK_CREATED_IDS")
  local created_file = created_path and io.open(created_path, "w")
  local refusals_path = os.getenv("RESCIND_WRK_REFUSALS")
  local refusals_file = refusals_path and io.open(refusals_path, "w")
  local total, all_laps, unanswered, all_applied = {}, 0, 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
    all_laps = all_laps + thread:get("laps")
    all_applied = all_applied + thread:get("applied")
    unanswered = unanswered + thread:get("sent") - thread:get("answered")
    if created_file then
      for _, id in ipairs(thread:get("created")) do created_file:write(id, "\n") end
    end
    if refusals_file then
      for status, text in pairs(thread:get("refusals")) do
        refusals_file:write(status, " ", text, "\n")
      end
    end
  end
  if created_file then created_file:close() end
  if refusals_file then refusals_file:close() end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "statuses": {%s}, ' ..
    '"laps": %d, "unanswered": %d, "applied": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.0f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, table.concat(parts, ", "), all_laps, unanswered,
    all_applied,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
"""


def wrk_ensure() -> str:
    """The wrk binary; installed from Debian's package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.check_call(["apt-get", "update", "-qq"], env=env)
        subprocess.check_call(["apt-get", "install", "-y", "-qq", "wrk"], env=env)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("This benchmark needs wrk (Debian: apt-get install wrk).")
    return found


@dataclass(frozen=True)
class Load:
    """One endpoint's load: `path` has `{id}` where the order id goes."""

    method: str
    path: str
    body: str = ""
    idempotency_keys: bool = False
    prefer: str = ""  # a Prefer header to send (RFC 7240), e.g. "return=minimal"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]
    laps: int
    unanswered: int  # sent but cut off by the end of the run: the server may still do them
    created_ids: list[int]  # the order of each 201 answer, from its body
    refusals: dict[int, str]  # the first body answered with each status >= 300
    errors: dict[str, int]
    latency_ms: dict[str, float]
    non_2xx_reported: int  # wrk's own "Non-2xx or 3xx responses" line, 0 when absent
    applied: int = 0  # answers with `Preference-Applied: return=minimal`

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def as_dict(self) -> dict:
        return {"requests": self.requests, "seconds": round(self.seconds, 3),
                "requests_per_second": round(self.per_second, 1),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "non_2xx": self.non_2xx, "wrk_non_2xx_or_3xx": self.non_2xx_reported,
                "laps": self.laps, "unanswered": self.unanswered,
                "refusals": {str(k): v for k, v in sorted(self.refusals.items())},
                "socket_errors": self.errors, "latency_ms": self.latency_ms,
                "preference_applied": self.applied}


def wrk_run(wrk: str, base_url: str, load: Load, ids: list[int], token: str, *,
            duration: str, connections: int, threads: int,
            timeout: str = "5s") -> tuple[LoadResult, str]:
    """Run wrk once; the result, and wrk's whole output (with its --latency distribution)."""
    with tempfile.TemporaryDirectory(prefix="rescind_http_") as folder:
        script = Path(folder) / "orders.lua"
        script.write_text(LUA)
        id_file = Path(folder) / "ids.txt"
        id_file.write_text("".join(f"{i}\n" for i in ids))
        command = [wrk, "--threads", str(threads), "--connections", str(connections),
                   "--duration", duration, "--timeout", timeout, "--latency",
                   "--script", str(script), base_url, "--", load.method, load.path,
                   str(id_file), token, str(threads), load.body,
                   "1" if load.idempotency_keys else "0", load.prefer]
        created, refused = Path(folder) / "created.txt", Path(folder) / "refusals.txt"
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "RESCIND_WRK_CREATED_IDS": str(created),
                                   "RESCIND_WRK_REFUSALS": str(refused)})
        created_ids = [int(line) for line in created.read_text().split()]
        refusals = {int(status): text for status, text in (
            line.split(" ", 1) for line in refused.read_text().splitlines() if line)}
    if done.returncode != 0 or "RESULT " not in done.stdout:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    data = json.loads(done.stdout.split("RESULT ", 1)[1].splitlines()[0])
    reported = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    result = LoadResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        statuses={int(k): v for k, v in data["statuses"].items()}, laps=data["laps"],
        unanswered=data["unanswered"], created_ids=created_ids, refusals=refusals,
        errors=data["errors"],
        latency_ms={k: round(v / 1000, 2) for k, v in data["latency_us"].items()},
        non_2xx_reported=int(reported.group(1)) if reported else 0,
        applied=data["applied"])
    return result, done.stdout
