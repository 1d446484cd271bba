"""The SQL that classifies staged records against the lake's stored versions."""

from __future__ import annotations

# Classify each staged row against the existing versions (ek) and the rest of the batch:
# duplicate   same content (hash includes reported_at) already stored or earlier in batch
# conflict    same reported_at, different content: ambiguous, quarantined
# superseded  a new version of a record that already has one (kept as history)
# accepted    a record never seen before
CLASSIFY_SQL = """
CREATE TEMP TABLE c AS
WITH flags AS (
  SELECT s.*,
    h.record_id IS NOT NULL AS dup_e,
    r.record_id IS NOT NULL AS rt_e,
    k.record_id IS NOT NULL AS key_e,
    row_number() OVER (PARTITION BY s.source_id, s.record_id, s._hash ORDER BY s._seq) AS rn_h,
    row_number() OVER (PARTITION BY s.source_id, s.record_id, s.reported_at ORDER BY s._seq)
      AS rn_rt
  FROM s
  LEFT JOIN (SELECT DISTINCT source_id, record_id, _hash FROM ek) h
    ON h.source_id = s.source_id AND h.record_id = s.record_id AND h._hash = s._hash
  LEFT JOIN (SELECT DISTINCT source_id, record_id, reported_at FROM ek) r
    ON r.source_id = s.source_id AND r.record_id = s.record_id
   AND r.reported_at = s.reported_at
  LEFT JOIN (SELECT DISTINCT source_id, record_id FROM ek) k
    ON k.source_id = s.source_id AND k.record_id = s.record_id
), st AS (
  SELECT *, CASE WHEN dup_e OR rn_h > 1 THEN 'duplicate'
                 WHEN rt_e OR rn_rt > 1 THEN 'conflict'
                 ELSE 'new' END AS _st
  FROM flags
)
SELECT * EXCLUDE (_st, dup_e, rt_e, rn_h, rn_rt), CASE
    WHEN _st <> 'new' THEN _st
    WHEN key_e THEN 'superseded'
    WHEN row_number() OVER (PARTITION BY source_id, record_id, _st ORDER BY _seq) > 1
      THEN 'superseded'
    ELSE 'accepted' END AS _status
FROM st
"""
