pytest_plugins = ["pitchlake.testing.moto", "pitchlake.testing.sandbox"]
