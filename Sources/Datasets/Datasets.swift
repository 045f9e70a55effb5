// Datasets: see the module README.
