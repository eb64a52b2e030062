"""The Dockerfile builder: parse (`dockerfile`), plan stages, run steps, write the image.

- `dockerfile/`: a pure frontend (lexer with every BuildKit substitution modifier, incl.
  1.7's `#`/`%`/`/`; parser: BOM, CRLF, directives, continuations, comments inside them,
  heredocs; instructions: flags, exec vs shell form with malformed-JSON fallback, stages,
  meta ARGs). Errors are `Dockerfile:LINE: INSTR: message`, exit 1.
- The engine builds the stages the target needs, independent ones two at a time (threads,
  one store connection set per thread: metadata/db.py keys connections by thread). RUN uses
  nerdpy.oci options, the network area and runc in the foreground: the builder sits beside
  containers, so it reuses their lower pieces, not containers/start.py. COPY/ADD/WORKDIR
  produce a tar that is both the layer and what the confined applier writes into the step's
  snapshot; step snapshots are committed under chain IDs; layers are stored uncompressed
  (digest == diff ID); `nerdpy/images/assemble.py` writes the image (commit uses it too).
- Cache: JSON records under `<data_root>/buildcache/` (key: parent chain + expanded
  instruction + args/env + content digest, never mtimes); cache mounts under
  `buildcache/mounts/`. Image gc may take cached layers no image holds: then a miss, never
  a wrong hit (blob and snapshot are checked).
- Times: a fully cached rebuild gives the same image ID (metadata steps take the newest
  layer's time); SOURCE_DATE_EPOCH clamps history, created and RUN layer mtimes.
- Differences from buildx: see manual.md (`--progress rawjson`, `--link`, ssh mounts,
  `--security`, `--device`, git sources and registry outputs are refused; ARG vs ENV: ENV wins).
"""
