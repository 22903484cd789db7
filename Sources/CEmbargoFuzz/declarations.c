// CEmbargoFuzz only declares libFuzzer's driver; this file exists because a C target needs a source.
