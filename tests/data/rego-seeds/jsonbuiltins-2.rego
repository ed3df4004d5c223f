package generated

p := x if {
	__local0__ = data.a[0]
	json.unmarshal(__local0__, x)
}
