"""The parts of `bench/bench_relay.py`, the voice relay benchmark (that script is the entry point and documents
what is measured): `bare` the bare relay baseline, `servers` the other processes and servers it starts, `clients`
the load clients, `phases` the three measurements, `platform_setup` the seeded throwaway platform, `report` the
figures table, `constants` the shared settings and goals.
"""
