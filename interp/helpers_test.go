package interp_test

// Model texts that several tests and benchmarks of the package run, each
// starting and ending with a newline so that sources concatenate.

// regressionModel is the linear regression of examples/regression.flow,
// its likelihood one vectorised ~.
const regressionModel = `
model regression(x, y) {
    alpha ~ Normal(0, 10)
    beta ~ Normal(0, 10)
    sigma ~ HalfNormal(5)
    y ~ Normal(alpha + beta * x, sigma)
}
`

// loopRegressionModel is regressionModel with its likelihood written as a
// loop of one ~ a data value.
const loopRegressionModel = `
model regression(x, y) {
    alpha ~ Normal(0, 10)
    beta ~ Normal(0, 10)
    sigma ~ HalfNormal(5)
    for i in range(len(y)) {
        y[i] ~ Normal(alpha + beta * x[i], sigma)
    }
}
`

// eightSchoolsModel is the non-centred eight schools of
// examples/eight_schools.flow.
const eightSchoolsModel = `
model eight_schools(J, y, sigma) {
    theta_trans ~ Normal(zeros(J), 1)
    mu ~ Normal(0, 5)
    tau ~ HalfCauchy(5)
    theta = theta_trans * tau + mu
    y ~ Normal(theta, sigma)
}
`
