-- Room on each page of cases for updated row versions (fillfactor 85): the frequent updates that change no indexed
-- column (repeat groups and flags set after intake, import and recompute) then stay on their page as HOT updates and
-- touch none of the table's indexes. Affects pages written from now on.
ALTER TABLE cases SET (fillfactor = 85);
