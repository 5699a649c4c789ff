package main

import "testing"

func TestSetBitAddressesBitsFromTheRight(t *testing.T) {
	zero := "0000:0000:0000:0000:0000:0000:0000:0000"
	if got := setBit(zero, 5, true); got != "0000:0000:0000:0000:0000:0000:0010:0000" {
		t.Fatalf("bit 5: %s", got)
	}
	if got := setBit(zero, 29, true); got != "0010:0000:0000:0000:0000:0000:0000:0000" {
		t.Fatalf("bit 29: %s", got)
	}
	if got := setBit("1111:1111:1111:1111:1111:1111:1111:1111", 0, false); got != "1111:1111:1111:1111:1111:1111:1111:1110" {
		t.Fatalf("bit 0: %s", got)
	}
}
