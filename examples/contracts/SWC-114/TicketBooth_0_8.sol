// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// @title TicketBooth
/// @notice Sells event tickets for ether at a price the owner can change at any
///         time. A buyer's ether is converted at whatever price is current when the
///         purchase is mined, so the owner can front-run purchases with a price hike.
contract TicketBooth {
    address payable public immutable owner;
    uint256 public price;
    mapping(address => uint256) public tickets;

    event PriceChanged(uint256 price);
    event Purchased(address indexed buyer, uint256 count, uint256 paid);

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    constructor(uint256 initialPrice) {
        require(initialPrice > 0, "zero price");
        owner = payable(msg.sender);
        price = initialPrice;
    }

    function setPrice(uint256 newPrice) external onlyOwner {
        require(newPrice > 0, "zero price");
        price = newPrice; // SWC-114
        emit PriceChanged(newPrice);
    }

    /// @notice Buys as many tickets as `msg.value` covers; the remainder is kept.
    function buy() external payable {
        uint256 count = msg.value / price;
        require(count > 0, "not enough ether");
        tickets[msg.sender] += count;
        emit Purchased(msg.sender, count, msg.value);
    }

    function withdraw() external onlyOwner {
        owner.transfer(address(this).balance);
    }
}
