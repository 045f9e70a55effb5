// WorkloadLoading: see the module README.
