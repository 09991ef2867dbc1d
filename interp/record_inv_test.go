package interp_test

func init() {
	invExempt["record"] = "builds a value of fields: a field computed from latents is an error (TestRecordOfLatentIsError)"
}
