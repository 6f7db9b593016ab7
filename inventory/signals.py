from django.dispatch import Signal

# Sent (inside the receiving transaction) after goods were put into stock.
# Arguments: product_ids (set[int]). The orders app allocates waiting orders on commit.
stock_received = Signal()
