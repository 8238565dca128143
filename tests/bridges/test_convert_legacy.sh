#!/bin/bash
# Legacy style end to end with the real netd (see test_convert_direct.sh): pethN,
# vif0.N, the pseudo eth0 with the physical MAC; ping loss goal <= 3.
STYLE=legacy GOAL=3 exec bash "$(dirname "$0")/test_convert_direct.sh"
