#!/usr/bin/env python3
"""Writes testdata/formats/*: small logs in every format clawscan reads.

The fixtures with escape codes, CRLF, NUL and invalid UTF-8 are bytes that an editor
would mangle, so they are made here and committed; rerun to regenerate.
"""
import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "formats")
os.makedirs(HERE, exist_ok=True)

ESC = "\x1b"


def pretty(time, tag_colour, tag, level_colour, msg):
    tag_part = f"{ESC}[{tag_colour}m[{tag}]{ESC}[39m " if tag else ""
    return f"{ESC}[90m{time}{ESC}[39m {tag_part}{ESC}[{level_colour}m{msg}{ESC}[39m"


def write(name, lines, newline="\n", final_newline=True, mode="w"):
    data = newline.join(lines) + (newline if final_newline else "")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data.encode("utf-8", "surrogateescape"))


# 4.12 pretty console on a terminal: `HH:MM:SS` local, colour tells the level.
write("pretty-color.log", [
    pretty("10:30:01", "38;2;90;160;255", "gateway", 36, "ready (7 plugins: discord, telegram, browser, cron, memory, voice, canvas; 2.4s)"),
    pretty("10:30:12", "35", "ws", 36, "← connect client=gateway-client version=2026.4.12 mode=backend auth=token conn=64e9a9b0…d56b"),
    pretty("10:30:12", "38;2;90;160;255", "gateway", 33,
           "security audit: device access upgrade requested reason=scope-upgrade device=0c4f1e2d3b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0 ip=unknown-ip auth=token roleFrom=operator roleTo=operator scopesFrom=operator.read,operator.write scopesTo=operator.admin client=gateway-client conn=64e9a9b0-5f1c-4d2e-8a7b-3c9d0e1fd56b"),
    pretty("10:30:12", "35", "ws", 33,
           "closed before connect conn=64e9a9b0-5f1c-4d2e-8a7b-3c9d0e1fd56b peer=127.0.0.1:50412->127.0.0.1:18789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=connect failed"),
    pretty("10:30:12", "35", "ws", 36,
           "→ close code=1008 reason=connect failed durationMs=58 cause=pairing-required handshake=failed lastFrameType=req lastFrameMethod=connect lastFrameId=0410ad01-b46a-4288-bdc2-5167dd59ea96 endpoint=127.0.0.1:50412->127.0.0.1:18789 conn=64e9a9b0…d56b"),
    pretty("10:30:12", None, None, 31, "gateway connect failed: GatewayClientRequestError: pairing required"),
    pretty("10:31:40", "35", "ws", 36,
           "⇄ res ✗ sessions.patch 4ms errorCode=INVALID_REQUEST errorMessage=missing scope: operator.admin conn=b83a4598…3404 id=93e60e37…d079"),
    pretty("10:31:41", "38;5;208", "agent/embedded", 36, "tool sessions_spawn finished status=error durationMs=12 author=main"),
    pretty("10:32:05", "35", "ws", 36, "webchat disconnected code=1001 reason=n/a conn=77aa01bc-1d2e-4f30-9a8b-c7d6e5f4a3b2"),
])

# Console JSON style (logging.consoleStyle = "json"): meta at the top level; a
# top-level `reason` is the pairing sub-reason, the close text stays in `message`.
write("console-json.log", [json.dumps(o, ensure_ascii=False, separators=(",", ":")) for o in [
    {"time": "2026-04-11T10:30:11.900+02:00", "level": "info", "subsystem": "gateway", "message": "ready (7 plugins: discord, telegram, browser, cron, memory, voice, canvas; 2.1s)"},
    {"time": "2026-04-11T10:30:12.404+02:00", "level": "warn", "subsystem": "gateway/ws",
     "message": "closed before connect conn=320d827d-a7c1-41b1-9e08-29e57102324c peer=192.168.1.77:50420->192.168.1.10:18789 remote=192.168.1.77 fwd=n/a origin=n/a host=192.168.1.10:18789 ua=n/a code=1008 reason=pairing required",
     "cause": "pairing-required", "handshake": "failed", "durationMs": 31, "reason": "not-paired",
     "deviceId": "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f", "requestId": "deb67699-a335-4533-a45f-b31fd5d31348",
     "client": "cli", "mode": "cli", "version": "2026.4.11"},
    {"time": "2026-04-11T10:30:13.002+02:00", "level": "info", "subsystem": "gateway/ws", "message": "← connect client=openclaw-control-ui version=control-ui mode=webchat auth=token conn=11c0…9ab2"},
    {"time": "2026-04-11T10:30:20.518+02:00", "level": "warn", "subsystem": "gateway/ws",
     "message": "unauthorized conn=a6f1d2c3-0b9e-4d8f-a7c6-5b4e3d2c1f00 peer=100.101.7.3:61002->100.88.1.2:18789 remote=100.101.7.3 client=openclaw-control-ui webchat vcontrol-ui role=operator scopes=3 auth=device-token device=yes platform=web instance=n/a host=gw.tailnet-1a2b.ts.net origin=https://gw.tailnet-1a2b.ts.net ua=Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 reason=device_token_mismatch",
     "authMode": "token", "authProvided": "device-token", "authReason": "device_token_mismatch"},
    {"time": "2026-04-11T10:30:44.000+02:00", "level": "info", "subsystem": "gateway/channels/telegram", "message": "telegram inbound message chat=direct user=5512345678 author=anna"},
]])

# tslog file log (/tmp/openclaw/openclaw-YYYY-MM-DD.log), as of 4.12.
def tslog(args, level, time, name="openclaw"):
    o = {str(i): a for i, a in enumerate(args)}
    o["_meta"] = {"runtime": "node", "runtimeVersion": "22.14.0", "hostname": "unknown", "name": name,
                  "date": time[1], "logLevelId": {"INFO": 3, "WARN": 4, "ERROR": 5}[level], "logLevelName": level,
                  "path": {"fullFilePath": "file:///usr/lib/node_modules/openclaw/dist/entry.js:1:1"}}
    o["time"] = time[0]
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))

WS = json.dumps({"subsystem": "gateway/ws"})
GW = json.dumps({"subsystem": "gateway"})
TG = json.dumps({"module": "telegram-auto-reply"})
write("file-log.jsonl", [
    tslog([GW, "listening on ws://127.0.0.1:18789, ws://[::1]:18789 (PID 3120)"], "INFO", ("2026-04-02T07:59:58.001+00:00", "2026-04-02T07:59:58.001Z"), GW),
    tslog([GW, "security audit: device access upgrade requested reason=role-upgrade device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 ip=unknown-ip auth=token roleFrom=<none> roleTo=operator scopesFrom=<none> scopesTo=operator.read,operator.write client=cli conn=1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d"], "WARN",
          ("2026-04-02T08:00:01.114+00:00", "2026-04-02T08:00:01.114Z"), GW),
    tslog([WS, {"cause": "pairing-required", "handshake": "failed", "durationMs": 9, "reason": "role-upgrade",
                "deviceId": "9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70", "requestId": "0e5d1c2b-3a49-4f58-b6c7-d8e9f0a1b2c3",
                "client": "cli", "mode": "cli", "version": "2026.4.1"},
           "closed before connect conn=1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=connect failed"], "WARN",
          ("2026-04-02T08:00:01.118+00:00", "2026-04-02T08:00:01.118Z"), WS),
    tslog(["gateway connect failed: GatewayClientRequestError: pairing required"], "ERROR", ("2026-04-02T08:00:01.120+00:00", "2026-04-02T08:00:01.120Z")),
    tslog([TG, {"chatId": 5512345678, "senderUserId": "5512345678", "username": "anna_p", "code": "Q7M2X9KD"}, "telegram pairing request"], "INFO",
          ("2026-04-02T08:03:44.500+00:00", "2026-04-02T08:03:44.500Z"), TG),
    tslog([GW, "device pairing approved device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70 role=operator"], "INFO", ("2026-04-02T08:05:10.000+00:00", "2026-04-02T08:05:10.000Z"), GW),
    tslog([GW, "\u001b[33mbootstrap token revoke skipped after pairing device=9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70\u001b[39m"], "WARN", ("2026-04-02T08:05:10.002+00:00", "2026-04-02T08:05:10.002Z"), GW),
    json.dumps({"time": "2026-04-02T09:00:00.000+00:00", "level": "warn", "subsystem": "logging", "message": "log file size cap reached; suppressing writes to /tmp/openclaw/openclaw-2026-04-02.log (max 104857600 bytes)"}, separators=(",", ":")),
])

# `openclaw logs --plain` (UTC) and `openclaw logs --json`.
write("openclaw-logs.txt", [
    '2026-04-11T08:30:12.404Z warn gateway/ws {"subsystem":"gateway/ws"} {"cause":"pairing-required","handshake":"failed","reason":"role-upgrade","requestId":"deb67699-a335-4533-a45f-b31fd5d31348"} closed before connect conn=320d827d-a7c1-41b1-9e08-29e57102324c peer=127.0.0.1:50420->127.0.0.1:18789 remote=127.0.0.1 fwd=n/a origin=n/a host=127.0.0.1:18789 ua=n/a code=1008 reason=connect failed',
    "2026-04-11T08:30:12.409Z error gateway connect failed: GatewayClientRequestError: pairing required",
    '2026-04-11T08:30:15.000Z info gateway/ws {"subsystem":"gateway/ws"} ⇄ res ✓ health 2ms conn=aa01bb02…cc03 id=dd04ee05…ff06',
    json.dumps({"type": "log", "time": "2026-04-11T08:31:02.771Z", "level": "warn", "subsystem": "gateway/ws", "module": None,
                "message": '{"subsystem":"gateway/ws"} unauthorized conn=7b7c7d7e-1111-4222-8333-944455556666 peer=203.0.113.9:40112->10.0.0.5:18789 remote=203.0.113.9 client=cli cli v2026.4.10 role=operator scopes=2 auth=none device=no platform=linux instance=n/a host=gw.example.net origin=n/a ua=n/a reason=token_missing',
                "raw": "…"}, ensure_ascii=False, separators=(",", ":")),
    "09:02:11+00:00 warn gateway/ws {\"subsystem\":\"gateway/ws\"} handshake timeout conn=0f0e0d0c-0b0a-4908-8706-050403020100 peer=10.0.0.9:51000->10.0.0.5:18789 remote=10.0.0.9",
])

# Lines wrapped by other programs.
write("wrapped.log", [
    "==> /home/mia/.openclaw/logs/gateway.err.log <==",
    "Apr 11 10:30:12 pi-gw node[4127]: 2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=8e7d6c5b-4a39-4281-9706-f5e4d3c2b1a0 remote=172.17.0.1 fwd=n/a origin=n/a host=172.17.0.2:18789 ua=n/a code=1008 reason=pairing required",
    "Apr 11 10:30:12 pi-gw node[4127]: 2026-04-11T10:30:12.410+02:00 [ws] webchat connected conn=aa11bb22-cc33-4d44-8e55-ff6677889900 remote=127.0.0.1 client=openclaw-control-ui webchat vcontrol-ui",
    "openclaw-gateway-1  | 2026-04-11T08:30:13.001+00:00 [ws] unauthorized conn=2c3d4e5f-6071-4829-a3b4-c5d6e7f80912 remote=172.18.0.1 client=cli cli v2026.4.11 reason=password_mismatch",
    "2026-04-11T08:30:14.404511832Z 2026-04-11T08:30:14.404+00:00 [ws] closed before connect conn=3d4e5f60-7182-4930-b4c5-d6e7f8091a2b remote=10.244.0.1 fwd=n/a origin=n/a host=openclaw:18789 ua=n/a code=1008 reason=device signature expired",
    "0|openclaw | 10:30:15 [gateway] device token rotation denied device=aa00bb11cc22dd33ee44ff5566778899aa00bb11cc22dd33ee44ff5566778899 role=operator reason=scope-not-held scope=operator.admin",
    "[2026-04-11T08:30:16.120Z] [WARN ] [Gateway stderr] 10:30:16 [ws] closed before connect conn=4e5f6071-8293-4a4b-85c6-e7f8091a2b3c remote=192.168.1.50 fwd=n/a origin=http://192.168.1.10:18789 host=192.168.1.10:18789 ua=Mozilla/5.0 (X11; Linux x86_64) code=1008 reason=control ui requires device identity (use HTTPS or localhost secure context)",
    "[2026-04-11T08:30:16.300Z] [WARN ] Gateway WebSocket closed (code=1008, reason=pairing required, handshake=failed)",
])

# What clients print and what users paste.
write("client-side.txt", [
    "$ openclaw status",
    "gateway closed (1008): pairing required",
    "Gateway target: ws://127.0.0.1:18789",
    "Source: local loopback",
    "Config: /home/mia/.openclaw/openclaw.json",
    "Bind: loopback",
    "Exec approval registration failed: Error: gateway closed (1008): pairing required",
    json.dumps({"status": "error", "error": "gateway closed (1008): pairing required\nGateway target: ws://127.0.0.1:18789\nSource: local loopback\nConfig: /home/mia/.openclaw/openclaw.json\nBind: loopback"}),
    "Pairing required. Run `openclaw devices list`, approve your request ID, then reconnect.",
    "disconnected (1008): pairing required",
    "disconnected (4008): connect failed",
    "gateway connect failed: scope upgrade pending approval (requestId: 5b0f3c2e-1111-4222-8333-944455556666)",
    "OpenClaw: access not configured.",
    "Your Telegram user id: 5512345678",
    "Pairing code: Q7M2X9KD",
    "Ask the bot owner to approve with:",
    "openclaw pairing approve telegram Q7M2X9KD",
    "exec denied: host=gateway security=deny",
    "Invalid config at /home/mia/.openclaw/openclaw.json:",
    '- gateway: Unrecognized key: "localExec"',
    "the agent authored a summary (author=main)",
])

# Bytes that break other tools: CRLF, NUL, invalid UTF-8, a last line without newline.
edge = (
    b"2026-04-11T10:30:12.404+02:00 [ws] closed before connect conn=c1 remote=127.0.0.1 code=1008 reason=pairing required\r\n"
    b"\x00\x00\x00\x00 rotated by copytruncate\r\n"
    b"2026-04-11T10:30:13.000+02:00 [ws] unauthorized conn=c2 remote=10.0.0.2 client=cli cli v2026.4.12 ua=caf\xe9 reason=token_mismatch\n"
    b"binary \xff\xfe\x00 junk author=x\n"
    b"\x1b[33m2026-04-11T10:30:14.000+02:00 [ws] closed before connect conn=c3 remote=127.0.0.1 code=1008 reason=pairing\x00required\x1b[39m\n"
    b"2026-04-11T10:30:15.000+02:00 [gateway] device pairing removed device=ab12 role=node"
)
with open(os.path.join(HERE, "edge-cases.log"), "wb") as f:
    f.write(edge)
