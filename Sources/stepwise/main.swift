import StepwiseCLI

Stepwise.main()
